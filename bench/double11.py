# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A Double-11 day for payment_reminder: build it, time it, compare it.

    make bench                                  # 10k and 100k orders, the README table
    make bench SIZES=2000                       # a quick check
    .venv/bin/python bench/double11.py --sizes 10000 --keep

The script keeps a base database (``payment_reminder_bench``: payment_reminder
and ``website_sale`` for the abandoned-cart reference, no demo data) and, for
each size, copies it into ``payment_reminder_bench_day``, makes a few orders
there through the ORM and clones them with set-based SQL into a festival day:
N unpaid orders over 0.6 N customers (repeat buyers, one order in ten more
paid the same day, two companies and currencies, invalid phones, a flash sale
at midnight). Cloning ORM-made rows keeps every column as the ORM would have
set it; only identity, customer, time and quantity change.

The day is committed and PostgreSQL's statistics gathered (VACUUM ANALYZE), the
queue is built, committed and analysed again; every other step runs in a
transaction that is rolled back, so each starts from the same queue and each
size from a fresh copy. Mail and SMS stop at Odoo's own queues (``mail.mail``,
``sms.sms``) and gateways: nothing leaves the machine.
"""

import argparse
import cProfile
import importlib.util
import os
import platform
import pstats
import re
import resource
import shutil
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ["TZ"] = "UTC"

from freezegun import freeze_time  # noqa: E402
from PyPDF2 import PdfReader  # noqa: E402

import odoo  # noqa: E402
from odoo import api  # noqa: E402
from odoo.tools import SQL, mute_logger  # noqa: E402

DB = "payment_reminder_bench"
DAY_DB = f"{DB}_day"
SEND_COUNT = 10_000
# Odoo's abandoned-cart cron renders one e-mail per cart, some 20 ms each: it
# is measured on the smaller day only (100,000 carts would take half an hour).
REFERENCE_MAX = 10_000
FESTIVAL = datetime(2026, 11, 10, 16, 0)  # 2026-11-11 00:00 in Shanghai, in UTC
# The queue and sending are measured at 10:00 in Shanghai.
NOW = FESTIVAL + timedelta(hours=10)
# The sending cron runs every 5 minutes: a flash-sale reminder planned closer
# than that to the deadline may go out too late.
SEND_INTERVAL = timedelta(minutes=5)
# --profile: each step runs under cProfile (slower), its profile kept in var/bench.
PROFILE = False
# --send: how many reminders the sending step makes due (default SEND_COUNT).
SEND_COUNT_RUN = SEND_COUNT


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


def fresh_day_database():
    """A copy of the base database, its filestore (report assets) included."""
    drop_day_database()
    subprocess.run(["createdb", "-T", DB, DAY_DB], check=True)
    filestore = Path(odoo.tools.config.filestore(DB))
    if filestore.is_dir():
        shutil.copytree(filestore, odoo.tools.config.filestore(DAY_DB))


def drop_day_database():
    odoo.modules.registry.Registry.delete(DAY_DB)
    odoo.sql_db.close_db(DAY_DB)
    subprocess.run(["dropdb", "--if-exists", "--force", DAY_DB], check=True)
    shutil.rmtree(odoo.tools.config.filestore(DAY_DB), ignore_errors=True)


def vacuum_analyze():
    """Fresh planner statistics for the committed data (VACUUM needs autocommit)."""
    started = time.perf_counter()
    reminders = subprocess.run(
        ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", DAY_DB]
        + ["-c", "VACUUM ANALYZE"]
        + [
            "-c",
            "SELECT reltuples, relpages FROM pg_class "
            "WHERE relname = 'payment_reminder'",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    say(
        f"VACUUM ANALYZE in {time.perf_counter() - started:.1f}s "
        f"(payment_reminder: rows|pages {' '.join(reminders)})"
    )


@contextmanager
def transaction(commit=False):
    """One step's transaction, then fresh statistics for the next step.

    A step rolled back leaves its rows dead. Autovacuum, when it comes by,
    records the tables as pages holding no row (it cannot truncate them while
    the next step writes): planned on that, the next step expects no reminder
    where there are 50,000 and nests loops over them (one read of the orders'
    reminders ran for over eight minutes). VACUUM, between steps, truncates
    the dead pages; ANALYZE counts what was committed.
    """
    with environment(commit) as env:
        yield env
    vacuum_analyze()


@contextmanager
def environment(commit=False):
    """A superuser environment on the day; rolled back unless ``commit``."""
    registry = odoo.modules.registry.Registry(DAY_DB)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        try:
            yield env
            if commit:
                env.flush_all()
                cr.commit()
        finally:
            cr.rollback()


def serve_report_assets():
    """An HTTP server in this process, from which wkhtmltopdf loads the CSS.

    As in production (and HttpCase), wkhtmltopdf fetches the report's assets
    from Odoo; ``report.url`` points it here during the sheet's step.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    odoo.tools.config["http_interface"] = "127.0.0.1"
    odoo.tools.config["http_port"] = port
    odoo.service.server.ThreadedServer(odoo.http.root).http_spawn()
    return f"http://127.0.0.1:{port}"


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
    # Each company's reminder team: five agents making up to 60 calls a day
    # (rule 12); the customers the channel rules would call beyond that get
    # a message.
    for comp, country in ((company, "CN"), (second, "FR")):
        agents = env["res.users"].create(
            [
                {
                    "name": f"Agent {country} {number}",
                    "login": f"agent-{country.lower()}-{number}@example.com",
                    "company_id": comp.id,
                    "company_ids": [Command.set(comp.ids)],
                }
                for number in range(1, 6)
            ]
        )
        comp.payment_reminder_team_ids = agents
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


def generate(env, unpaid, customers):
    """The festival day: ``unpaid`` unpaid orders over ``customers`` customers.

    One order in ten more is paid: ``unpaid + unpaid // 9`` orders in all.
    """
    company, second, partner, products, templates = make_templates(env)
    orders = unpaid + unpaid // 9
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
    # second company (never a flash-sale order: those are the first company's
    # Shanghai midnight), placed over the festival day with a midnight rush.
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
                   CASE WHEN mod(g, 8) = 5 THEN %(second)s ELSE %(main)s END
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
    env.cr.execute(
        SQL(
            "SELECT count(*) FILTER (WHERE awaiting_payment), "
            "count(*) FILTER (WHERE is_flash_sale) FROM sale_order WHERE id = ANY(%s)",
            order_ids,
        )
    )
    unpaid_count, flash_count = env.cr.fetchone()
    say(
        f"generated {len(order_ids)} orders ({unpaid_count} unpaid, {flash_count} "
        f"flash sale) over {len(partner_ids)} customers "
        f"in {time.perf_counter() - started:.1f}s"
    )
    return company | second


# === MEASURES === #


def reset_peak_rss():
    """Start a new peak: Linux resets VmHWM on writing 5 to clear_refs."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_rss():
    """This process's peak resident memory (MiB) since the last reset."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024
    except (OSError, AttributeError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(env, table, size, key, label, function, count=None):
    """Time ``function``, count its queries and peak memory, add its row.

    :param count: what the step produced, from its result, as the row says it
        (counted after the clock stops)
    """
    env.flush_all()
    env.invalidate_all()
    reset_peak_rss()
    queries = env.cr.sql_log_count
    profiler = cProfile.Profile() if PROFILE else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    result = function()
    env.flush_all()
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - started
    if profiler:
        save_profile(profiler, f"{size}-{key}")
    row = {
        "size": size,
        "key": key,
        "step": label,
        "seconds": seconds,
        "queries": env.cr.sql_log_count - queries,
        "rss": peak_rss(),
    }
    row["count"], row["rows"] = count(result) if count else (None, "")
    table.append(row)
    say(
        f"{size:,} | {label}: {seconds:.2f}s, {row['queries']:,} queries, "
        f"{row['rows']}, peak RSS {row['rss']:.0f} MiB"
    )
    return result


def save_profile(profiler, name):
    """The step's profile: var/bench/profile-<size>-<step>.prof (for snakeviz or
    pstats) and the 40 costliest functions, by own and by cumulative time."""
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(folder / f"profile-{name}.prof")
    with open(folder / f"profile-{name}.txt", "w") as out:
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(40)
        stats.sort_stats("cumulative").print_stats(60)


def counted(unit):
    return lambda result: (len(result), f"{len(result):,} {unit}")


def load_gateways_stopped():
    """The tests' gateway stub (payment_reminder/tests/gateways.py), loaded from
    its file: importing it as odoo.addons.payment_reminder.tests.gateways would
    run tests/__init__.py, which imports Odoo's test framework."""
    path = ROOT / "payment_reminder" / "tests" / "gateways.py"
    spec = importlib.util.spec_from_file_location("payment_reminder_gateways", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.gateways_stopped


def build_queue(env, companies, now):
    """What the queue cron does for each company at ``now``, without its commits."""
    queue = env["payment.reminder.queue"]
    reminders = env["payment.reminder"]
    for company in companies:
        reminders |= queue.with_company(company)._build(company, now)
    return reminders


def flash_sale_check(env, companies, now):
    """Is every unpaid flash-sale order reminded before its deadline?

    The final reminder is about the customer's order closing first and covers
    all their unpaid orders: a flash-sale order is reminded when a planned
    final reminder covering it is scheduled before its deadline.
    """
    env.flush_all()
    rows = env.execute_query(
        SQL(
            """
            SELECT o.payment_deadline, r.state, r.skip_reason, r.scheduled_at
              FROM sale_order o
              LEFT JOIN LATERAL (
                   SELECT r.state, r.skip_reason, r.scheduled_at
                     FROM payment_reminder r
                    WHERE r.step = 'final'
                      AND (r.order_id = o.id OR r.id IN (
                           SELECT rel.reminder_id
                             FROM payment_reminder_sale_order_rel rel
                            WHERE rel.sale_order_id = o.id))
                    ORDER BY r.state = 'planned' DESC, r.scheduled_at
                    LIMIT 1) r ON true
             WHERE o.is_flash_sale AND o.awaiting_payment
               AND o.company_id = ANY(%s) AND o.payment_deadline > %s
            """,
            companies.ids,
            now,
        )
    )
    reminded, spare, missed = 0, 0, Counter()
    for deadline, state, skip_reason, scheduled_at in rows:
        if state == "planned" and scheduled_at < deadline:
            reminded += 1
            spare += deadline - scheduled_at >= SEND_INTERVAL
        elif state == "planned":
            missed["planned after the deadline"] += 1
        elif state == "skipped":
            missed[f"skipped: {skip_reason}"] += 1
        else:
            missed[state or "no final reminder"] += 1
    return {"orders": len(rows), "reminded": reminded, "spare": spare, "missed": missed}


def unpaid_customers_sql(companies, now):
    """FROM … GROUP BY: the customers' unpaid orders, but for the customers
    who paid another order that day (rule 2), per company and customer."""
    return SQL(
        """
          FROM sale_order o
         WHERE o.company_id = ANY(%(companies)s) AND o.awaiting_payment
           AND o.payment_deadline > %(now)s
           AND NOT EXISTS (
               SELECT 1 FROM sale_order p
                WHERE p.company_id = o.company_id
                  AND p.reminder_customer_key = o.reminder_customer_key
                  AND p.state = 'sale' AND NOT p.awaiting_payment
                  AND p.date_order::date = o.date_order::date)
         GROUP BY o.company_id, o.reminder_customer_key
        """,
        companies=companies.ids,
        now=now,
    )


def sql_lower_bound(env, companies, now):
    """One hand-written statement selecting the customers the queue reminds."""
    env.cr.execute(
        SQL(
            """
            SELECT o.company_id, o.reminder_customer_key, max(o.date_order),
                   array_agg(o.id), sum(o.amount_total)
            %(unpaid)s
            """,
            unpaid=unpaid_customers_sql(companies, now),
        )
    )
    return env.cr.fetchall()


def sql_insert_floor(env, companies, now):
    """One set-based statement writing the rows the build writes: a reminder
    per customer (about their latest unpaid order, their amount summed, for
    the first window after ``now``) and its links to all their unpaid orders.

    No rule is applied but the customer who paid that day; the rows have the
    columns the build fills (results included), so the write costs the same.
    """
    env.cr.execute(
        SQL(
            """
            WITH unpaid AS (
                SELECT o.company_id, o.reminder_customer_key AS key,
                       (array_agg(o.id ORDER BY o.date_order DESC, o.id DESC))[1]
                           AS order_id,
                       array_agg(o.id) AS order_ids,
                       sum(o.amount_total) AS amount
                %(unpaid)s
            ), reminders AS (
                INSERT INTO payment_reminder (
                    company_id, customer_key, partner_id, order_id, step, channel,
                    currency_id, amount_unpaid, amount_unpaid_company,
                    scheduled_at, queue_date, state, attempt, retry_count,
                    result, amount_recovered, amount_recovered_company,
                    is_recovered, success_rate, cost, return_on_cost,
                    create_uid, write_uid, create_date, write_date)
                SELECT u.company_id, u.key, p.commercial_partner_id, u.order_id,
                       'first', 'email', o.currency_id, u.amount, u.amount,
                       %(at)s, %(at)s::date, 'planned', 1, 0,
                       'pending', 0, 0, false, 0, 0, 0,
                       %(uid)s, %(uid)s, now() at time zone 'UTC',
                       now() at time zone 'UTC'
                  FROM unpaid u
                  JOIN sale_order o ON o.id = u.order_id
                  JOIN res_partner p ON p.id = o.partner_id
                RETURNING id, order_id
            )
            INSERT INTO payment_reminder_sale_order_rel (reminder_id, sale_order_id)
            SELECT r.id, unnest(u.order_ids)
              FROM reminders r JOIN unpaid u ON u.order_id = r.order_id
            RETURNING reminder_id
            """,
            unpaid=unpaid_customers_sql(companies, now),
            at=now + timedelta(hours=1),
            uid=env.uid,
        )
    )
    return {row[0] for row in env.cr.fetchall()}


def make_due(env, now, count):
    """Make the first ``count`` planned reminders due at ``now``, the others later."""
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
    return min(count, env.cr.rowcount)


def send_due(env, now):
    """The sending cron as the scheduler runs it: mail tracking on."""
    cron_env = env(context={})
    with load_gateways_stopped()(), freeze_time(now):
        cron_env["payment.reminder"]._cron_send_due()
    env.flush_all()
    return dict(
        env.execute_query(
            SQL("SELECT state, count(*) FROM payment_reminder GROUP BY state")
        )
    )


def sent_count(states):
    """Reminders that went out: sent, or handed to an agent as a call."""
    sent, calls = states.get("done", 0), states.get("calling", 0)
    return sent + calls, f"{sent:,} sent, {calls:,} calls handed out"


def render_detail_sheet(env, day):
    """The detail sheet of one shop day, as the print wizard asks for it."""
    # Debian's wkhtmltopdf (unpatched Qt) warns on stderr about the header and
    # footer switches on every render; a failed render still raises.
    with mute_logger("odoo.addons.base.models.ir_actions_report"):
        pdf, _report_type = (
            env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(
                "payment_reminder.action_report_detail_sheet",
                data={"date_from": str(day), "date_to": str(day)},
            )
        )
    return pdf


def sheet_count(env, day):
    """The sheet's lines (customers reminded that day) and the PDF's pages."""

    def count(pdf):
        lines = env.execute_query(
            SQL(
                "SELECT count(DISTINCT (customer_key, currency_id)) "
                "FROM payment_reminder WHERE state = 'done' AND queue_date = %s",
                day,
            )
        )[0][0]
        pages = len(PdfReader(BytesIO(pdf)).pages)
        return lines, f"{lines:,} lines, {pages:,} pages, {len(pdf) / 2**20:.1f} MiB"

    return count


def close_moment(env, count):
    """The moment when ``count`` unpaid orders are past their deadline."""
    rows = env.execute_query(
        SQL(
            """
            SELECT payment_deadline FROM sale_order
             WHERE awaiting_payment AND state IN ('draft', 'sent')
               AND payment_deadline IS NOT NULL
             ORDER BY payment_deadline OFFSET %s LIMIT 1
            """,
            count - 1,
        )
    )
    return rows[0][0]


def closed_count(env):
    def count(_result):
        closed = env.execute_query(
            SQL(
                "SELECT count(*) FROM sale_order "
                "WHERE state = 'cancel' AND reminder_closed_kind = 'auto'"
            )
        )[0][0]
        return closed, f"{closed:,} closed"

    return count


def prepare_abandoned_carts(env, company):
    """The company's unpaid orders as website carts that Odoo's cron would chase."""
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


def abandoned_cart_reference(env):
    """Odoo's own abandoned-cart email cron over the same orders, as carts."""
    with freeze_time(FESTIVAL + timedelta(days=1)):
        return env["website"]._send_abandoned_cart_email()


def mails_count(env):
    def count(_result):
        mails = env.execute_query(SQL("SELECT count(*) FROM mail_mail"))[0][0]
        return mails, f"{mails:,} e-mails"

    return count


# === THE RUN === #


def run_size(table, notes, size, base_url):
    """Generate a day of ``size`` unpaid orders in a fresh copy and measure it."""
    # Odoo's crons commit between batches except under test; the bench rolls
    # its steps back, so it runs them the way tests do.
    threading.current_thread().testing = True
    say(f"--- {size:,} unpaid orders")
    fresh_day_database()
    with transaction(commit=True) as env:
        company_ids = generate(env, size, max(1, size * 6 // 10)).ids

    def step(env, key, label, function, count=None):
        return measure(env, table, size, key, label, function, count)

    with transaction() as env:
        companies = env["res.company"].browse(company_ids)
        step(
            env,
            "flash",
            "queue at 00:00, flash sale on (cold)",
            lambda: build_queue(env, companies, FESTIVAL),
            counted("reminders"),
        )
        flash = flash_sale_check(env, companies, FESTIVAL)
        notes.setdefault("flash", {})[size] = flash
        say(f"flash sale: {flash}")
    # Rolled back: the queue below writes the same rows.
    with transaction() as env:
        companies = env["res.company"].browse(company_ids)
        step(
            env,
            "insert",
            "SQL floor: INSERT … SELECT of the rows (one statement)",
            lambda: sql_insert_floor(env, companies, NOW),
            counted("reminders"),
        )
    # The day's queue, committed: sending and closing start from it.
    with transaction(commit=True) as env:
        companies = env["res.company"].browse(company_ids)
        for key, label in (("cold", "queue (cold)"), ("warm", "queue (warm)")):
            step(
                env,
                key,
                label,
                lambda: build_queue(env, companies, NOW),
                counted("reminders"),
            )
        step(
            env,
            "sql",
            "SQL lower bound (one statement)",
            lambda: sql_lower_bound(env, companies, NOW),
            counted("customers"),
        )
    with transaction() as env:
        due = make_due(env, NOW, SEND_COUNT_RUN)
        states = step(
            env,
            "send",
            f"send {due:,} due reminders",
            lambda: send_due(env, NOW),
            sent_count,
        )
        say(f"reminders after sending: {states}")
        # Importable once Odoo's addons path is set up.
        from odoo.addons.payment_reminder.utils import shop_day

        day = shop_day(env.company, NOW)
        env["ir.config_parameter"].set_param("report.url", base_url)
        step(
            env,
            "sheet",
            f"detail sheet of the day ({day}), PDF",
            lambda: render_detail_sheet(env, day),
            sheet_count(env, day),
        )
    with transaction() as env:
        expired = size // 2
        close_at = close_moment(env, expired)
        step(
            env,
            "close",
            f"close {expired:,} expired orders",
            lambda: env["sale.order"]._cron_close_unpaid(now=close_at),
            closed_count(env),
        )
    if size > REFERENCE_MAX:
        notes.setdefault("skipped", []).append(size)
        say(f"abandoned-cart reference skipped above {REFERENCE_MAX:,} orders")
        return
    with transaction() as env:
        if "website" not in env:
            return
        prepare_abandoned_carts(env, env["res.company"].browse(company_ids[0]))
        step(
            env,
            "cart",
            "Odoo's abandoned-cart cron, same orders",
            lambda: abandoned_cart_reference(env),
            mails_count(env),
        )


# === THE REPORT === #


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
    with odoo.sql_db.db_connect("postgres").cursor() as cr:
        cr.execute(SQL("SHOW server_version"))
        postgres = cr.fetchone()[0].split()[0]
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, "
        f"{platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, PostgreSQL {postgres}"
    )


def load():
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def ratio(numerator, denominator):
    return f"{numerator / denominator:.1f}×" if denominator else "-"


def targets(rows, sizes, notes):
    """Issue 15's targets, met or missed, on the largest day measured (pro
    rata below 100,000 orders)."""
    size = sizes[-1]
    scale = size / 100_000
    pro_rata = f" ({size:,} orders: pro rata)" if size != 100_000 else ""

    def verdict(met):
        return "met" if met else "MISSED"

    def seconds(key, limit, label):
        row = rows.get((size, key))
        if row:
            lines.append(
                f"- {label} in {row['seconds']:.1f} s (≤ {limit * scale:.3g} s"
                f"{pro_rata}): {verdict(row['seconds'] <= limit * scale)}"
            )
        return row

    lines = []
    cold = seconds("cold", 15, "queue built (cold)")
    for key, name in (("insert", "INSERT floor"), ("sql", "SELECT bound")):
        bound = rows.get((size, key))
        if cold and bound and bound["seconds"]:
            times = cold["seconds"] / bound["seconds"]
            within = f" (within 5×): {verdict(times <= 5)}" if key == "insert" else ""
            lines.append(f"- cold build = {times:.1f}× the {name}{within}")
    seconds("warm", 5, "queue rebuilt, nothing new")
    first = sizes[0]
    for key in ("cold", "warm"):
        small, large = rows.get((first, key)), rows.get((size, key))
        if small and large and size > first:
            growth = large["queries"] / small["queries"]
            lines.append(
                f"- {large['step']}: {small['queries']:,} → {large['queries']:,} "
                f"queries for {size / first:.0f}× the orders ({growth:.2f}×, "
                f"flat within 20 %): {verdict(growth <= 1.2)}"
            )
    send = rows.get((size, "send"))
    if send and send["count"]:
        per_reminder = 1000 * send["seconds"] / send["count"]
        lines.append(
            f"- sending {per_reminder:.1f} ms per reminder, tracking on "
            f"(≤ 4 ms): {verdict(per_reminder <= 4)}"
        )
    close = rows.get((size, "close"))
    if close and close["count"]:
        per_50k = close["seconds"] * 50_000 / close["count"]
        lines.append(
            f"- closing: {per_50k:.1f} s per 50,000 orders (≤ 30 s): "
            f"{verdict(per_50k <= 30)}"
        )
    peak = max(
        (row for row in rows.values() if row["size"] == size),
        key=lambda row: row["rss"],
        default=None,
    )
    if peak:
        lines.append(
            f"- peak RSS {peak['rss']:.0f} MiB ({peak['step']}; ≤ 600 MiB on "
            f"every step): {verdict(peak['rss'] <= 600)}"
        )
    flash = notes.get("flash", {}).get(size)
    if flash:
        lines.append(
            f"- flash-sale orders reminded before their deadline: "
            f"{flash['reminded']:,} of {flash['orders']:,}: "
            f"{verdict(flash['reminded'] == flash['orders'])}"
        )
    return lines


def report(table, notes):
    """The figures as markdown: the table, the flash sale, ratios and growth."""
    lines = []
    out = lines.append
    rows = {(row["size"], row["key"]): row for row in table}
    sizes = sorted({row["size"] for row in table})
    out(f"\nMachine: {notes['machine']}")
    out(f"Load average (1, 5, 15 min) at start: {notes['load']}, at end: {load()}")
    out(
        f"Orders: unpaid ones, plus one in ten more paid; customers: 60 % of the "
        f"orders; queue built at {NOW} UTC (10:00 in Shanghai) for both companies.\n"
    )
    out("| orders | step | seconds | SQL queries | rows | peak RSS (MiB) |")
    out("|---:|---|---:|---:|---:|---:|")
    for row in table:
        out(
            f"| {row['size']:,} | {row['step']} | {row['seconds']:.2f} "
            f"| {row['queries']:,} | {row['rows']} | {row['rss']:.0f} |"
        )
    out("")
    for size, flash in sorted(notes.get("flash", {}).items()):
        missed = ", ".join(f"{n:,} {why}" for why, n in flash["missed"].most_common())
        out(
            f"Flash sale, {size:,} orders, queue built at 00:00: "
            f"{flash['orders']:,} unpaid flash-sale orders, {flash['reminded']:,} "
            f"with a final reminder planned before their deadline "
            f"({flash['spare']:,} at least {SEND_INTERVAL.seconds // 60} minutes "
            f"before, the sending cron's interval), "
            f"{flash['orders'] - flash['reminded']:,} not"
            + (f" ({missed})" if missed else "")
            + "."
        )
    out("\nRatios:")
    for size in sizes:
        cold, bound = rows.get((size, "cold")), rows.get((size, "sql"))
        floor = rows.get((size, "insert"))
        if cold and bound and floor:
            out(
                f"- {size:,} orders: queue (cold) / INSERT floor = "
                f"{ratio(cold['seconds'], floor['seconds'])}, / SELECT bound = "
                f"{ratio(cold['seconds'], bound['seconds'])}"
            )
        send, cart = rows.get((size, "send")), rows.get((size, "cart"))
        if send and send["count"]:
            per_reminder = 1000 * send["seconds"] / send["count"]
            line = f"- {size:,} orders: sending {per_reminder:.1f} ms per reminder"
            if cart and cart["count"]:
                per_mail = 1000 * cart["seconds"] / cart["count"]
                line += (
                    f", Odoo's abandoned-cart cron {per_mail:.1f} ms per e-mail "
                    f"(sending / abandoned cart = {ratio(per_reminder, per_mail)})"
                )
            out(line)
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        out(f"\nGrowth from {small:,} to {large:,} orders ({ratio(large, small)}):\n")
        out("| step | time | SQL queries | rows | peak RSS |")
        out("|---|---:|---:|---:|---:|")
        for row in table:
            if row["size"] != large or (small, row["key"]) not in rows:
                continue
            before = rows[(small, row["key"])]
            out(
                f"| {row['step']} | {ratio(row['seconds'], before['seconds'])} "
                f"| {ratio(row['queries'], before['queries'])} "
                f"| {ratio(row['count'] or 0, before['count'] or 0)} "
                f"| {ratio(row['rss'], before['rss'])} |"
            )
    out("")
    if sizes:
        out(f"Targets, on the largest day measured ({sizes[-1]:,} orders):")
        lines += targets(rows, sizes, notes)
    out("")
    carts = [row for row in table if row["key"] == "cart" and row["count"]]
    for size in notes.get("skipped", []):
        estimate = ""
        if carts:
            minutes = carts[-1]["seconds"] * size / carts[-1]["size"] / 60
            estimate = f" (about {minutes:.0f} minutes, extrapolated linearly)"
        out(
            f"Odoo's abandoned-cart cron is not run on {size:,} orders, for time"
            f"{estimate}: it is measured up to {REFERENCE_MAX:,} orders."
        )
    for size, error in notes.get("failed", {}).items():
        out(f"The {size:,}-order run failed: {error}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--config", default=str(ROOT / "var" / "odoo.conf"))
    parser.add_argument(
        "--keep", action="store_true", help=f"keep {DAY_DB} of the last size"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile each step (cProfile): var/bench/profile-<size>-<step>.txt",
    )
    parser.add_argument(
        "--send",
        type=int,
        default=SEND_COUNT,
        help="how many due reminders the sending step sends (per size)",
    )
    args = parser.parse_args()
    global PROFILE, SEND_COUNT_RUN  # noqa: PLW0603 - switches for the whole run
    PROFILE = args.profile
    SEND_COUNT_RUN = args.send
    odoo.tools.config.parse_config(["-c", args.config, "-d", DB, "--log-level=warn"])
    ensure_database(args.config)
    # The day's copy is the only database this process (and its HTTP server,
    # which serves wkhtmltopdf the report's assets) works on.
    odoo.tools.config["db_name"] = DAY_DB
    odoo.tools.config["dbfilter"] = f"^{DAY_DB}$"
    base_url = serve_report_assets()
    table, notes = [], {"machine": machine(), "load": load()}
    try:
        for size in [int(s) for s in args.sizes.split(",")]:
            try:
                run_size(table, notes, size, base_url)
            except Exception as error:  # noqa: BLE001 - report it, measure the next
                traceback.print_exc()
                notes.setdefault("failed", {})[size] = repr(error)
    finally:
        text = report(table, notes)
        print(text)
        saved = ROOT / "var" / "bench" / "double11.md"
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.write_text(text + "\n")
        say(f"report saved in {saved.relative_to(ROOT)}")
        if not args.keep:
            drop_day_database()


if __name__ == "__main__":
    main()
