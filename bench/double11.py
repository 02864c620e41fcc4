# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A Double-11 day for payment_reminder: build it, time it, compare it.

    make bench                       # 10k and 100k orders, the README table
    .venv/bin/python bench/double11.py --sizes 10000 --keep

The script creates its own database (``payment_reminder_bench``, with
``website_sale`` for the abandoned-cart reference), makes a few orders through
the ORM and clones them with set-based SQL into a festival day: 100,000 unpaid
orders over 60,000 customers (repeat buyers, customers who paid another order
the same day, two companies and currencies, invalid phones, a flash sale at
midnight). Cloning ORM-made rows keeps every column as the ORM would have set
it; only identity, customer, time and quantity change.

Each step runs in a transaction that is rolled back, so every step and every
size starts from the same data. Mail and SMS stop at Odoo's own queues
(``mail.mail``, ``sms.sms``): nothing leaves the machine.
"""

import argparse
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from unittest.mock import patch

ROOT = Path(__file__).resolve().parent.parent
os.environ["TZ"] = "UTC"

from freezegun import freeze_time  # noqa: E402

import odoo  # noqa: E402
from odoo import api  # noqa: E402
from odoo.tools import SQL  # noqa: E402

from odoo.addons.base.models.ir_mail_server import IrMailServer  # noqa: E402
from odoo.addons.sms.tools.sms_api import SmsApi  # noqa: E402

DB = "payment_reminder_bench"
SEND_COUNT = 10_000
# Odoo's abandoned-cart cron renders one e-mail per cart: about 16 ms each
# here, so it is measured on the smaller day only (100,000 carts take ~30 min).
REFERENCE_MAX = 10_000
FESTIVAL = datetime(2026, 11, 10, 16, 0)  # 2026-11-11 00:00 in Shanghai, in UTC


def say(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# === DATABASE === #


def ensure_database(config):
    """Create the bench database (payment_reminder + website_sale), or update it."""
    exists = subprocess.run(
        ["psql", "-X", "-tAc", "select 1", "-d", DB], capture_output=True, text=True
    )
    if exists.returncode == 0:
        say(f"updating payment_reminder in {DB}")
        install = ["-u", "payment_reminder"]
    else:
        say(f"creating {DB} (payment_reminder + website_sale, no demo data)")
        install = ["-i", "payment_reminder,website_sale"]
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "odoo"),
            "-c",
            config,
            "-d",
            DB,
            *install,
            "--without-demo=all",
            "--stop-after-init",
            "--no-http",
            "--log-level=warn",
        ],
        check=True,
    )


@contextmanager
def environment(rollback=True):
    registry = odoo.modules.registry.Registry(DB)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        try:
            yield env
        finally:
            if rollback:
                cr.rollback()


# === DATA === #


def columns(env, table):
    env.cr.execute(
        SQL(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s AND column_name != 'id' ORDER BY ordinal_position",
            table,
        )
    )
    return [row[0] for row in env.cr.fetchall()]


def clone(env, table, template_sql, overrides, series):
    """INSERT a clone of the template row per element of ``series``.

    ``overrides`` maps column names to SQL expressions over ``t`` (the template
    row) and ``g`` (the series element); every other column is copied.
    """
    names = columns(env, table)
    select = ", ".join(overrides.get(name, f"t.{name}") for name in names)
    env.cr.execute(
        SQL(
            "INSERT INTO %s (%s) SELECT %s FROM (%s) t, %s RETURNING id",
            SQL.identifier(table),
            SQL(", ".join(f'"{name}"' for name in names)),
            SQL(select),
            template_sql,
            series,
        )
    )
    return [row[0] for row in env.cr.fetchall()]


def make_templates(env):
    """A few orders made by the ORM, the models every generated row copies."""
    Command = odoo.fields.Command
    company = env.ref("base.main_company")
    cny = env.ref("base.CNY")
    eur = env.ref("base.EUR")
    (cny | eur).active = True
    company.write(
        {
            "payment_reminder_tz": "Asia/Shanghai",
            "payment_reminder_start_from": FESTIVAL - timedelta(days=30),
        }
    )
    second = env["res.company"].create(
        {
            "name": "Double 11 Europe",
            "currency_id": eur.id,
            "payment_reminder_tz": "Europe/Paris",
            "payment_reminder_start_from": FESTIVAL - timedelta(days=30),
        }
    )
    flash = env["product.tag"].create({"name": "Flash sale"})
    company.payment_reminder_flash_tag_ids = flash
    products = env["product.product"].create(
        [
            {"name": "Bluetooth earphones", "list_price": 199.0, "taxes_id": []},
            {"name": "Smartphone", "list_price": 3999.0, "taxes_id": []},
            {
                "name": "Tea gift box (flash sale)",
                "list_price": 99.0,
                "taxes_id": [],
                "product_tag_ids": [Command.set(flash.ids)],
            },
        ]
    )
    pricelists = {
        cny: env["product.pricelist"].create({"name": "CNY", "currency_id": cny.id}),
        eur: env["product.pricelist"].create(
            {"name": "EUR", "currency_id": eur.id, "company_id": second.id}
        ),
    }
    partner = env["res.partner"].create(
        {
            "name": "Template customer",
            "mobile": "+8613800000000",
            "email": "template@example.com",
            "country_id": env.ref("base.cn").id,
        }
    )
    templates = {}
    for comp, currency in ((company, cny), (second, eur)):
        for product in products:
            order = env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "company_id": comp.id,
                    "pricelist_id": pricelists[currency].id,
                    "require_payment": True,
                    "prepayment_percent": 1.0,
                    "user_id": False,
                    "order_line": [Command.create({"product_id": product.id})],
                }
            )
            order._portal_ensure_token()
            order.write({"state": "sent", "date_order": FESTIVAL})
            templates[(comp.id, product.id)] = order
    env.flush_all()
    return company, second, partner, products, templates


def generate(env, orders, customers):
    """The festival day: ``orders`` unpaid orders over ``customers`` customers."""
    company, second, partner, products, templates = make_templates(env)
    started = time.perf_counter()
    partner_ids = clone(
        env,
        "res_partner",
        SQL("SELECT * FROM res_partner WHERE id = %s", partner.id),
        {
            "name": "'Customer ' || g",
            "complete_name": "'Customer ' || g",
            "email": "'customer' || g || '@example.com'",
            # every 40th customer has a number that is no mobile number
            "mobile": "CASE WHEN mod(g, 40) = 0 THEN '12345' "
            "ELSE '+86139' || lpad(g::text, 8, '0') END",
            "phone_sanitized": "CASE WHEN mod(g, 40) = 0 THEN NULL "
            "ELSE '+86139' || lpad(g::text, 8, '0') END",
            "payment_reminder_mobile": "CASE WHEN mod(g, 40) = 0 THEN NULL "
            "ELSE '+86139' || lpad(g::text, 8, '0') END",
        },
        SQL("generate_series(1, %s) g", customers),
    )
    env.cr.execute(
        SQL(
            "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)",
            partner_ids,
        )
    )
    # Orders: customer g % customers (so 40% of customers order more than
    # once), one in 200 orders a flash sale at midnight, one in 8 in the
    # second company, placed over the festival day with a midnight rush.
    regular, smartphone, flash = products.ids
    template_case = SQL(
        "CASE %s END",
        SQL(
            " ".join(
                f"WHEN company_id = {comp} AND product_id = {prod} THEN {order.id}"
                for (comp, prod), order in templates.items()
            )
        ),
    )
    env.cr.execute(
        SQL(
            """
            CREATE TEMP TABLE bench_plan ON COMMIT DROP AS
            SELECT g,
                   (%(partners)s::int[])[1 + mod(g::bigint * 7919, %(customers)s)]
                       AS partner_id,
                   CASE WHEN mod(g, 8) = 0 THEN %(second)s ELSE %(main)s END
                       AS company_id,
                   CASE WHEN mod(g, 200) = 0 THEN %(flash)s
                        WHEN mod(g, 17) = 0 THEN %(smartphone)s
                        ELSE %(regular)s END AS product_id,
                   1 + mod(g, 3) AS qty,
                   %(festival)s::timestamp + CASE WHEN mod(g, 200) = 0
                       THEN (mod(g, 30)) * interval '1 minute'
                       ELSE power(mod(g::bigint * 104729, 100000) / 100000.0, 2)
                            * 86399 * interval '1 second' END AS date_order
            FROM generate_series(1, %(orders)s) g;
            ALTER TABLE bench_plan ADD COLUMN template_id int;
            UPDATE bench_plan SET template_id = %(template_case)s;
            """,
            partners=partner_ids,
            customers=customers,
            second=second.id,
            main=company.id,
            flash=flash,
            smartphone=smartphone,
            regular=regular,
            festival=FESTIVAL,
            orders=orders,
            template_case=template_case,
        )
    )
    deadline = (
        "CASE WHEN t.is_flash_sale THEN t.placed + interval '30 minutes' "
        "ELSE t.placed + interval '72 hours' END"
    )
    order_ids = clone(
        env,
        "sale_order",
        SQL(
            "SELECT so.*, p.g, p.partner_id AS new_partner, p.qty, "
            "p.date_order AS placed FROM bench_plan p "
            "JOIN sale_order so ON so.id = p.template_id"
        ),
        {
            "name": "'D11/' || lpad(t.g::text, 6, '0')",
            "partner_id": "t.new_partner",
            "partner_invoice_id": "t.new_partner",
            "partner_shipping_id": "t.new_partner",
            "date_order": "t.placed",
            "create_date": "t.placed",
            "write_date": "t.placed",
            "access_token": "md5(random()::text)",
            "amount_untaxed": "t.amount_untaxed * t.qty",
            "amount_total": "t.amount_total * t.qty",
            "payment_deadline": deadline,
            "reminder_customer_key": "(SELECT coalesce(rp.payment_reminder_mobile, "
            "'partner-' || rp.id) FROM res_partner rp WHERE rp.id = t.new_partner)",
        },
        SQL("(SELECT 1) one"),
    )
    line_columns = columns(env, "sale_order_line")
    line_overrides = {
        "order_id": "so.id",
        "order_partner_id": "so.partner_id",
        "product_uom_qty": "p.qty",
        "price_subtotal": "t.price_subtotal * p.qty",
        "price_total": "t.price_total * p.qty",
        "create_date": "so.date_order",
        "write_date": "so.date_order",
    }
    env.cr.execute(
        SQL(
            """
            INSERT INTO sale_order_line (%s)
            SELECT %s
              FROM bench_plan p
              JOIN sale_order so ON so.name = 'D11/' || lpad(p.g::text, 6, '0')
              JOIN sale_order_line t ON t.order_id = p.template_id
            """,
            SQL(", ".join(f'"{c}"' for c in line_columns)),
            SQL(", ".join(line_overrides.get(c, f"t.{c}") for c in line_columns)),
        )
    )
    # One in ten customers paid another order the same day.
    env.cr.execute(
        SQL(
            """
            UPDATE sale_order SET state = 'sale', awaiting_payment = false,
                   require_payment = false, reminder_state = 'none'
             WHERE id = ANY(%s) AND mod(substr(name, 5)::int, 10) = 3
            """,
            order_ids,
        )
    )
    env["sale.order"].browse([o.id for o in templates.values()]).write(
        {"state": "cancel"}
    )
    env.flush_all()
    env.invalidate_all()
    env.cr.execute(SQL("ANALYZE res_partner, sale_order, sale_order_line"))
    say(
        f"generated {len(order_ids)} orders over {len(partner_ids)} customers "
        f"in {time.perf_counter() - started:.1f}s"
    )
    return company, second


# === MEASURES === #


def measure(env, label, function):
    env.flush_all()
    env.invalidate_all()
    queries = env.cr.sql_log_count
    started = time.perf_counter()
    result = function()
    env.flush_all()
    seconds = time.perf_counter() - started
    count = env.cr.sql_log_count - queries
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    say(f"{label}: {seconds:.2f}s, {count} queries, peak RSS {peak:.0f} MiB")
    return {"step": label, "seconds": seconds, "queries": count, "rss": peak}, result


@contextmanager
def gateways_mocked():
    """Mail and SMS stop at Odoo's gateways, as Odoo's own test mocks do."""

    def send_email(server, message, *args, **kwargs):
        return message["Message-Id"]

    def contact_iap(api, endpoint, params, timeout=15):
        return [
            {"uuid": number["uuid"], "state": "success", "credit": 1}
            for message in params.get("messages", [])
            for number in message["numbers"]
        ]

    with (
        patch.object(IrMailServer, "connect", lambda *args, **kwargs: None),
        patch.object(IrMailServer, "send_email", send_email),
        patch.object(SmsApi, "_contact_iap", contact_iap),
    ):
        yield


def send_due(env, now, count):
    """Make ``count`` planned reminders due and run the sending cron."""
    env.cr.execute(
        SQL(
            """
            UPDATE payment_reminder SET scheduled_at = CASE
                   WHEN id IN (SELECT id FROM payment_reminder WHERE state = 'planned'
                               ORDER BY id LIMIT %s) THEN %s
                   ELSE %s END
             WHERE state = 'planned'
            """,
            count,
            now,
            now + timedelta(days=30),
        )
    )
    env.invalidate_all()
    with gateways_mocked(), freeze_time(now):
        env["payment.reminder"]._cron_send_due()
    env.cr.execute(
        SQL("SELECT state, count(*) FROM payment_reminder GROUP BY state ORDER BY 1")
    )
    return dict(env.cr.fetchall())


def sql_lower_bound(env, company, now):
    """One hand-written statement selecting the customers the queue reminds."""
    env.cr.execute(
        SQL(
            """
            SELECT o.reminder_customer_key, max(o.date_order), array_agg(o.id),
                   sum(o.amount_total)
              FROM sale_order o
             WHERE o.company_id = %(company)s AND o.awaiting_payment
               AND o.payment_deadline > %(now)s
               AND NOT EXISTS (
                   SELECT 1 FROM sale_order p
                    WHERE p.reminder_customer_key = o.reminder_customer_key
                      AND p.state = 'sale' AND NOT p.awaiting_payment
                      AND p.date_order::date = o.date_order::date)
             GROUP BY o.reminder_customer_key
            """,
            company=company.id,
            now=now,
        )
    )
    return env.cr.fetchall()


def abandoned_cart_reference(env, company):
    """Odoo's own abandoned-cart email cron over the same orders, as carts."""
    website = env["website"].search([], limit=1)
    website.write({"cart_abandoned_delay": 1.0, "send_abandoned_cart_email": True})
    env.cr.execute(
        SQL(
            "UPDATE sale_order SET state = 'draft', website_id = %s, "
            "cart_recovery_email_sent = false "
            "WHERE company_id = %s AND awaiting_payment",
            website.id,
            company.id,
        )
    )
    env.invalidate_all()
    with freeze_time(FESTIVAL + timedelta(days=1)):
        return env["website"]._send_abandoned_cart_email()


def run_size(orders, customers, now):
    # Odoo's crons commit between batches except under test; the bench rolls
    # every step back, so it runs them the way tests do.
    threading.current_thread().testing = True
    rows = []
    with environment() as env:
        company, _second = generate(env, orders, customers)
        queue = env["payment.reminder.queue"]
        row, reminders = measure(
            env, "queue (cold)", lambda: queue._build(company, now)
        )
        rows.append(row | {"count": len(reminders)})
        row, reminders = measure(
            env, "queue (warm)", lambda: queue._build(company, now)
        )
        rows.append(row | {"count": len(reminders)})
        row, customers_sql = measure(
            env, "SQL lower bound", lambda: sql_lower_bound(env, company, now)
        )
        rows.append(row | {"count": len(customers_sql)})
        env.cr.execute(SQL("SAVEPOINT bench_send"))
        row, states = measure(
            env, "send 10,000 due", lambda: send_due(env, now, SEND_COUNT)
        )
        rows.append(row | {"count": states.get("done", 0)})
        say(f"reminders after sending: {states}")
        env.cr.execute(SQL("ROLLBACK TO SAVEPOINT bench_send"))
        env.invalidate_all()
        env.cr.execute(SQL("SAVEPOINT bench_close"))
        row, _none = measure(
            env,
            "close expired",
            lambda: env["sale.order"]._cron_close_unpaid(now=now + timedelta(days=4)),
        )
        env.cr.execute(SQL("SELECT count(*) FROM sale_order WHERE state = 'cancel'"))
        rows.append(row | {"count": env.cr.fetchone()[0]})
        env.cr.execute(SQL("ROLLBACK TO SAVEPOINT bench_close"))
        env.invalidate_all()
        if "website" in env and orders <= REFERENCE_MAX:
            row, _none = measure(
                env,
                "abandoned-cart cron",
                lambda: abandoned_cart_reference(env, company),
            )
            env.cr.execute(SQL("SELECT count(*) FROM mail_mail"))
            rows.append(row | {"count": env.cr.fetchone()[0]})
    return rows


def machine():
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--config", default=str(ROOT / "var" / "odoo.conf"))
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", DB, "--log-level=warn"])
    ensure_database(args.config)
    now = FESTIVAL + timedelta(hours=10)
    table = []
    for size in [int(s) for s in args.sizes.split(",")]:
        say(f"--- {size} orders")
        for row in run_size(size, max(1, size * 6 // 10), now):
            table.append((size, row))
    print(f"\nMachine: {machine()}\n")
    print("| orders | step | seconds | SQL queries | rows | peak RSS (MiB) |")
    print("|---:|---|---:|---:|---:|---:|")
    for size, row in table:
        print(
            f"| {size} | {row['step']} | {row['seconds']:.2f} | {row['queries']} "
            f"| {row.get('count', '')} | {row['rss']:.0f} |"
        )
    bound = {
        size: row["seconds"] for size, row in table if row["step"] == "SQL lower bound"
    }
    print()
    for size, row in table:
        if row["step"] == "queue (cold)" and bound.get(size):
            print(
                f"{size} orders: queue / SQL lower bound = "
                f"{row['seconds'] / bound[size]:.1f}x"
            )


if __name__ == "__main__":
    main()
