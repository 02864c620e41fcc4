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
from . import test_sms
from . import test_sms_budget
from . import test_scripts
from . import test_results
from . import test_security
from . import test_concurrency
from . import test_bad_input
from . import test_reports
from . import test_costs
from . import test_i18n
from . import test_agent
from . import test_tours
