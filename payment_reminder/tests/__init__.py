# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import test_awaiting_payment
from . import test_queue_rules
from . import test_queue_timing
from . import test_close_unpaid
from . import test_settings
from . import test_send
from . import test_send_race
from . import test_send_faults
from . import test_send_crash
from . import test_scripts
from . import test_results
from . import test_security
from . import test_concurrency
from . import test_bad_input
from . import test_reports
from . import test_i18n
from . import test_agent
from . import test_tours
from . import test_shop_today
from . import test_wire_transfer
from . import test_paid_after_close
from . import test_pay_link
from . import test_shop_day
from . import test_calls
from . import test_control_group
from . import test_currency
