# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import res_company
from . import res_config_settings
from . import res_partner
from . import res_users
from . import sale_order
from . import payment_reminder_window
from . import payment_reminder_channel_rule
from . import payment_reminder_queue_timing
from . import payment_reminder_queue_calls
from . import payment_reminder_cycle
from . import payment_reminder_queue
from . import payment_reminder_sending
from . import payment_reminder_channels
from . import payment_reminder_calls
from . import payment_reminder_results
from . import payment_reminder_sms
from . import payment_reminder_costs
from . import payment_reminder
from . import payment_reminder_script
from . import payment_transaction
from . import payment_reminder_reason
from . import mail_activity
from . import sms_tracker
from . import link_tracker
