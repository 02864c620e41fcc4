# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Soak test: two Odoo servers, one database, load and faults, invariants.

    make soak                                   # 5 minutes of load, ~2,000 orders
    make soak-short                             # 1 minute, 300 orders (CI)
    .venv/bin/python bench/soak.py --check-only # the last run checked again
    .venv/bin/python bench/soak.py --self-check # the checker on made-up logs

What it does, in order:

1. creates the database ``payment_reminder_soak`` afresh (payment_reminder and
   payment_demo, no demo data) and sets it up so that everything happens
   within minutes: every order is a flash sale closing after ``SOAK_DEADLINE``
   minutes, the first reminder one minute after the order, one window all day
   long, no quiet hours, a two-minute minimum interval, the reminder crons and
   Odoo's mail, SMS and payment post-processing crons every minute; the demo
   payment provider is enabled;
2. starts two Odoo servers (``--workers 2 --max-cron-threads 1`` each, ports
   8269 and 8270) through ``bench/soak_server.py``, which records every e-mail
   and SMS handed to Odoo's gateways instead of sending it;
3. drives the shop for ``SOAK_MINUTES`` from a few client threads: orders over
   JSON-RPC on either server, customers paying through the pay link of the
   reminders and the demo provider over HTTP (the transaction confirmed by the
   provider's notification route, the order by Odoo's post-processing),
   re-orders, cancellations, new phone numbers and opt-outs, each at a random
   moment after its order;
4. meanwhile: a burst of payments while a send batch runs, one server killed
   with SIGKILL and started again, the other's PostgreSQL connections
   terminated;
5. lets the crons finish for ``SOAK_DRAIN`` minutes, stops the servers, checks
   the invariants from the database and the gateway logs, prints the figures
   (kept in ``var/soak/soak.md``) and exits 1 when an invariant broke.
"""

import argparse
import heapq
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from configparser import ConfigParser
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import psycopg2
import requests

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "soak"
GATEWAY_DIR = VAR / "gateway"
DB = "payment_reminder_soak"
ADMIN = ("admin", "admin")
SERVERS = {"A": (8269, 8271), "B": (8270, 8272)}  # name: (HTTP port, gevent port)
# A cron job every minute is picked up within its interval plus the cron
# worker's sleep (5 s + pid % 10 s: bench/soak_server.py shortens Odoo's 60 s).
CRON_PERIOD = 75
STUCK_AFTER = timedelta(seconds=2 * CRON_PERIOD)
# Of the reminders sent, at most this share may have crossed a payment.
MAX_SENT_AFTER_PAYMENT = 0.005
SEND_CRON = "payment_reminder.ir_cron_send_due"
FAST_CRONS = [
    "payment_reminder.ir_cron_build_queue",
    SEND_CRON,
    "payment_reminder.ir_cron_close_unpaid",
    "mail.ir_cron_mail_scheduler_action",
    "sms.ir_cron_sms_scheduler_action",
    "payment.cron_post_process_payment_tx",
]
CLIENT_THREADS = 6


def say(message):
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def env_number(name, default):
    value = os.environ.get(name)
    return float(value) if value else default


@dataclass
class Plan:
    """What the run does: its size, its timing and the shop's settings."""

    minutes: float
    orders: int
    deadline: int  # minutes from order to close
    drain: float  # minutes after the load, for the crons to finish
    seed: int = 11
    min_interval: int = 2
    final_before: int = 0  # minutes before close: the final reminder

    def __post_init__(self):
        self.final_before = max(1, round(self.deadline * 0.4))


# === DATABASE === #


def sql(query, params=(), fetch=True):
    """One statement in the soak database, committed; its rows."""
    with psycopg2.connect(dbname=DB, application_name="soak-driver") as conn:
        with conn.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall() if fetch else None


def write_config():
    """The servers' config: the bootstrap's addons path, data dir, the soak DB."""
    base = ConfigParser()
    base.read(ROOT / "var" / "odoo.conf")
    options = base["options"]
    VAR.mkdir(parents=True, exist_ok=True)
    path = VAR / "odoo-soak.conf"
    path.write_text(
        "# Written by bench/soak.py\n[options]\n"
        f"addons_path = {options['addons_path']}\n"
        f"data_dir = {options['data_dir']}\n"
        f"db_name = {DB}\ndbfilter = ^{DB}$\nadmin_passwd = admin\nlist_db = False\n"
        "workers = 2\nmax_cron_threads = 1\n"
        # Two servers share PostgreSQL's 100 connections with everyone else.
        "db_maxconn = 8\nlimit_time_real = 300\nlimit_time_cpu = 240\n"
        "proxy_mode = False\n"
    )
    return path


def create_database(config):
    say(f"creating {DB} (payment_reminder + payment_demo, no demo data)")
    subprocess.run(["dropdb", "--if-exists", "--force", DB], check=True)
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "odoo"), "-c", str(config), "-d", DB]
        + ["-i", "payment_reminder,payment_demo", "--without-demo=all"]
        + ["--stop-after-init", "--no-http", "--log-level=warn"],
        check=True,
    )


def configure(config, plan):
    """Settings that make everything happen within minutes, the demo payment
    provider, one product (a flash sale) and the customers.

    :return: what the load driver needs to know (ids, tokens' secret)
    """
    os.environ["TZ"] = "UTC"
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.fields import Command

    odoo.tools.config.parse_config(["-c", str(config), "-d", DB, "--log-level=warn"])
    registry = odoo.modules.registry.Registry(DB)
    rng = random.Random(plan.seed)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        now = datetime.utcnow()
        base_url = f"http://localhost:{SERVERS['A'][0]}"
        env["ir.config_parameter"].set_param("web.base.url", base_url)
        env["ir.config_parameter"].set_param("web.base.url.freeze", True)
        tag = env["product.tag"].create({"name": "Soak flash sale"})
        company = env.company
        company.write(
            {
                "email": "shop@soak.example.com",
                "phone": "+86 21 5555 0000",
                "payment_reminder_tz": "UTC",
                "payment_reminder_start_from": now - timedelta(hours=1),
                "payment_reminder_min_delay": 1,
                "payment_reminder_min_interval": plan.min_interval,
                "payment_reminder_quiet_start": 0.0,
                "payment_reminder_quiet_end": 0.0,
                "payment_reminder_deadline_hours": 1,
                "payment_reminder_flash_deadline": plan.deadline,
                "payment_reminder_flash_remind_before": plan.final_before,
                "payment_reminder_flash_tag_ids": [Command.set(tag.ids)],
            }
        )
        # The shop's admin reads Odoo's notifications in Odoo: the gateways
        # only see what goes to customers.
        env.user.write(
            {
                "tz": "UTC",
                "email": "admin@soak.example.com",
                "notification_type": "inbox",
            }
        )
        windows = env["payment.reminder.window"].search([("window_type", "=", "order")])
        windows.active = False
        windows.create(
            {
                "name": "Soak: all day",
                "window_type": "order",
                "placed_from": 0.0,
                "placed_to": 24.0,
                "remind_from": 0.0,
                "remind_to": 24.0,
            }
        )
        # First-time buyers would all get a call: a message first, calls for
        # the large orders only, SMS before close (the shipped ladder else).
        env.ref("payment_reminder.channel_rule_new_customer_call").active = False
        fast = env["ir.cron"]
        for xmlid in FAST_CRONS:
            fast |= env.ref(xmlid)
        fast.write({"interval_number": 1, "interval_type": "minutes", "nextcall": now})
        # A server has one cron worker, which runs the due jobs one after the
        # other: Odoo's housekeeping jobs (auto-vacuum, digests, ...), all due
        # in a fresh database, took the first 40 s of the short run's crons.
        # They have nothing to do here: tomorrow.
        (env["ir.cron"].search([]) - fast).nextcall = now + timedelta(days=1)
        env["ir.cron.trigger"].search([("cron_id", "not in", fast.ids)]).unlink()
        # The confirmation e-mail of a paid order attaches its PDF; wkhtmltopdf
        # fetches the PDF's assets over HTTP from the very server rendering it.
        # With two HTTP workers, a worker waiting for wkhtmltopdf (its
        # transaction open) and the other blocked on that transaction's rows
        # leave nobody to serve the assets: the first full run stalled for
        # minutes (until limit_time_real). No PDF in the shop's e-mails.
        env["mail.template"].search([]).report_template_ids = False
        provider = env.ref("payment.payment_provider_demo")
        provider.write({"state": "test", "is_published": True})
        # As enabling it in the settings does: its journal and payment method
        # line, once. Left to the first payments, both servers made one, and
        # Odoo's post-processing failed on every payment after ("Expected
        # singleton: account.payment.method.line"): a full run lost its cron
        # workers to it.
        assert provider.journal_id, "the demo provider has no bank journal"
        lines = env["account.payment.method.line"].search_count(
            [("payment_provider_id", "=", provider.id)]
        )
        assert lines == 1, f"{lines} payment method lines for the demo provider"
        # Odoo's own notifications (quotation viewed) need a sender.
        params = env["ir.config_parameter"]
        params.set_param("mail.catchall.domain", "soak.example.com")
        params.set_param("mail.default.from", "notifications")
        method = env.ref("payment_demo.payment_method_demo")
        method.active = True
        # Half the orders are flash sales: they close after ``plan.deadline``
        # minutes and get only the final reminder (SMS). The others close
        # after an hour (the shortest general deadline) and get the first
        # reminder a minute after the order: both steps, and the minimum
        # interval between a customer's first and final reminders.
        products = env["product.product"].create(
            [
                {
                    "name": "Soak flash tea",
                    "list_price": 50.0,
                    "type": "consu",
                    "product_tag_ids": [Command.set(tag.ids)],
                },
                {"name": "Soak tea", "list_price": 50.0, "type": "consu"},
            ]
        )
        china = env.ref("base.cn")
        customers = env["res.partner"].create(
            [
                {
                    "name": f"Soak customer {index}",
                    "country_id": china.id,
                    "lang": "en_US",
                    # Most have an address and a mobile; some only one of them.
                    "email": f"customer{index}@soak.example.com"
                    if rng.random() < 0.9
                    else False,
                    "mobile": mobile_number(rng) if rng.random() < 0.85 else False,
                }
                for index in range(max(10, int(plan.orders * 0.6)))
            ]
        )
        setup = {
            "flash_product_id": products[0].id,
            "product_id": products[1].id,
            "customer_ids": customers.ids,
            "provider_id": provider.id,
            "secret": env["ir.config_parameter"].get_param("database.secret"),
            "crons": {xmlid: env.ref(xmlid).id for xmlid in FAST_CRONS + [SEND_CRON]},
        }
    odoo.sql_db.close_db(DB)
    return setup


def mobile_number(rng):
    """A valid Chinese mobile number (138 ...), as a customer types it."""
    return f"+86 138 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"


# === SERVERS === #


class Server:
    """One Odoo server in multi-process mode: its own process group (a master,
    two HTTP workers, a cron worker, the gevent worker) and HTTP port."""

    def __init__(self, name, config):
        self.name = name
        self.port, self.gevent_port = SERVERS[name]
        self.config = config
        self.process = None
        self.url = f"http://localhost:{self.port}"
        self.up = threading.Event()
        self.samples = []  # (time, cpu seconds, rss bytes) of the process tree

    def start(self):
        log = VAR / f"server-{self.name}.log"
        environ = dict(
            os.environ,
            SOAK_SERVER=self.name,
            SOAK_GATEWAY_DIR=str(GATEWAY_DIR),
            # Odoo names its PostgreSQL connections after this ({pid}: the process).
            ODOO_PGAPPNAME=f"soak-{self.name}-{{pid}}",
        )
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "soak_server.py")]
            + ["-c", str(self.config), "--http-port", str(self.port)]
            + ["--gevent-port", str(self.gevent_port), "--logfile", str(log)],
            env=environ,
            start_new_session=True,  # a process group of its own, to kill
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.wait_ready()

    def wait_ready(self, timeout=120):
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                if requests.get(f"{self.url}/web/health", timeout=5).ok:
                    self.up.set()
                    return time.monotonic() - started
            except requests.RequestException:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.5)
        raise RuntimeError(f"server {self.name} did not start: see {VAR}")

    def kill(self):
        """SIGKILL the whole process group: master and workers at once."""
        self.up.clear()
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.up.clear()
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def sample(self):
        """CPU time and memory of the process tree, from /proc."""
        if not self.process or self.process.poll() is not None:
            return
        ticks = os.sysconf("SC_CLK_TCK")
        cpu = rss = 0
        for pid in process_tree(self.process.pid):
            try:
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            # utime, stime (fields 14 and 15, counted from after the name)
            cpu += (int(stat[11]) + int(stat[12])) / ticks
            found = re.search(r"VmRSS:\s+(\d+) kB", status)
            rss += int(found.group(1)) * 1024 if found else 0
        self.samples.append((time.monotonic(), cpu, rss))

    def usage(self):
        """Mean and peak CPU (% of one core) and peak RSS (MB) over the run;
        CPU restarts from zero with a restarted server."""
        rates = [
            (c2 - c1) / (t2 - t1) * 100
            for (t1, c1, _r1), (t2, c2, _r2) in zip(
                self.samples, self.samples[1:], strict=False
            )
            if c2 >= c1 and t2 > t1
        ]
        return {
            "cpu_mean": statistics.mean(rates) if rates else 0.0,
            "cpu_peak": max(rates, default=0.0),
            "rss_peak": max((s[2] for s in self.samples), default=0) / 2**20,
            "rss_mean": statistics.mean(s[2] for s in self.samples) / 2**20
            if self.samples
            else 0.0,
        }


def process_tree(root):
    """``root`` and all its descendants' pids."""
    children = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children[ppid].append(int(entry.name))
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(children.get(pid, []))
    return pids


# === THE SHOP'S CUSTOMERS === #


class ShopError(Exception):
    """A request failed (server down, connection terminated, error answer)."""


class Client:
    """What a shop front end and its customers do, over HTTP, on one server."""

    def __init__(self, server, setup):
        self.server = server
        self.setup = setup

    def rpc(self, model, method, *args, **kwargs):
        """``execute_kw`` over JSON-RPC as the shop's admin."""
        return self.json(
            "/jsonrpc",
            {
                "service": "object",
                "method": "execute_kw",
                "args": [DB, 2, ADMIN[1], model, method, list(args), kwargs],
            },
        )

    def json(self, path, params, session=None):
        try:
            answer = (session or requests).post(
                self.server.url + path,
                json={"jsonrpc": "2.0", "method": "call", "params": params},
                timeout=60,
            )
        except requests.RequestException as error:
            raise ShopError(f"{self.server.name} {path}: {error}") from error
        if not answer.ok:
            raise ShopError(f"{self.server.name} {path}: HTTP {answer.status_code}")
        body = answer.json()
        if "error" in body:
            message = body["error"].get("data", {}).get("message") or body["error"]
            raise ShopError(f"{self.server.name} {path}: {message}")
        return body.get("result")

    def page(self, session, path, data=None):
        try:
            if data is None:
                answer = session.get(self.server.url + path, timeout=60)
            else:
                answer = session.post(self.server.url + path, data=data, timeout=60)
        except requests.RequestException as error:
            raise ShopError(f"{self.server.name} {path}: {error}") from error
        if answer.status_code >= 500:
            raise ShopError(f"{self.server.name} {path}: HTTP {answer.status_code}")
        return answer

    def place_order(self, customer_id, quantity, flash):
        """A shop order awaiting online payment, as the web shop leaves it."""
        product = self.setup["flash_product_id" if flash else "product_id"]
        token = str(uuid.uuid4())
        order_id = self.rpc(
            "sale.order",
            "create",
            {
                "partner_id": customer_id,
                "require_payment": True,
                "state": "sent",
                "access_token": token,
                "order_line": [
                    [
                        0,
                        0,
                        {
                            "product_id": product,
                            "product_uom_qty": quantity,
                        },
                    ]
                ],
            },
        )
        return order_id, token

    def pay(self, order_id, token):
        """Pay as the customer: the reminders' pay link, Odoo's payment page,
        the demo provider's transaction, its notification, the status page's
        poll that post-processes it (and confirms the order).

        :return: "done", or why there was nothing to pay ("closed", "paid")
        """
        session = requests.Session()
        answer = self.page(
            session, f"/payment_reminder/pay/{order_id}?access_token={token}"
        )
        form = re.search(r'<form[^>]*id="o_payment_form"[^>]*>', answer.text)
        if answer.status_code == 404 or "o_payment_form" not in answer.text:
            return "closed" if "closed" in answer.text.lower() else "no form"
        attributes = dict(re.findall(r'data-([\w-]+)="([^"]*)"', form.group(0)))
        if float(attributes.get("amount") or 0) <= 0:
            return "paid"
        option = re.search(r'<input[^>]*data-provider-code="demo"[^>]*>', answer.text)
        if not option:
            raise ShopError(f"{self.server.name}: no demo payment option")
        method_id = int(re.search(r'data-payment-option-id="(\d+)"', option[0])[1])
        route = attributes["transaction-route"].replace("&amp;", "&")
        processing = self.json(
            route,
            {
                "provider_id": self.setup["provider_id"],
                "payment_method_id": method_id,
                "token_id": None,
                "amount": float(attributes["amount"]),
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": attributes["landing-route"].replace("&amp;", "&"),
                "is_validation": False,
                "access_token": attributes["access-token"],
            },
            session,
        )
        self.json(
            "/payment/demo/simulate_payment",
            {
                "reference": processing["reference"],
                "payment_details": "4242",
                "simulated_state": "done",
            },
            session,
        )
        status = self.json("/payment/status/poll", {}, session)
        return status["state"]

    def cancel(self, order_id):
        self.rpc(
            "sale.order",
            "action_cancel",
            [order_id],
            context={"disable_cancel_warning": True},
        )

    def change_phone(self, customer_id, number):
        self.rpc("res.partner", "write", [customer_id], {"mobile": number})

    def opt_out(self, order_id, channel, token):
        """The opt-out page of a reminder, then its confirmation (a POST)."""
        session = requests.Session()
        path = f"/payment_reminder/stop/{order_id}/{channel}/{token}"
        page = self.page(session, path)
        csrf = re.search(r'name="csrf_token"\s+value="([^"]+)"', page.text)
        answer = self.page(session, path, {"csrf_token": csrf and csrf.group(1)})
        if not answer.ok:
            raise ShopError(f"opt-out {order_id}: HTTP {answer.status_code}")


# === THE LOAD === #


@dataclass
class Facts:
    """What the driver was told was done: the restart must have lost none."""

    orders: dict = field(default_factory=dict)  # id: (token, customer, placed)
    paid: dict = field(default_factory=dict)  # order id: monotonic time
    cancelled: set = field(default_factory=set)
    phones: dict = field(default_factory=dict)  # customer id: last number set
    opted_out: dict = field(default_factory=dict)  # customer id: (channel, at)
    outcomes: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    faults: list = field(default_factory=list)  # lines for the report
    ended_at: str = ""  # UTC, when the servers stopped: the checks' "now"


class Driver:
    """Client threads working through a timetable of shop events.

    New orders are spread over the load time; each order draws its future at
    placement (paid, cancelled, re-ordered, a new phone number, an opt-out)
    and the events are put in the timetable at random moments after it.
    """

    def __init__(self, plan, setup, servers, started):
        self.plan = plan
        self.setup = setup
        self.servers = servers
        self.started = started
        self.rng = random.Random(plan.seed)
        self.facts = Facts()
        self.lock = threading.Lock()
        self.timetable = []  # heap of (at, sequence, kind, payload)
        self.sequence = 0
        self.orders_left = plan.orders
        self.load_end = started + plan.minutes * 60
        # Follow-ups stop halfway through the drain: the crons settle after.
        self.events_end = self.load_end + plan.drain * 60 / 2
        for _ in range(int(plan.orders * 0.92)):
            customer = self.rng.choice(setup["customer_ids"])
            self.schedule(self.rng.uniform(0, plan.minutes * 60), "order", customer)

    def schedule(self, delay, kind, payload):
        with self.lock:
            self.sequence += 1
            heapq.heappush(
                self.timetable, (time.monotonic() + delay, self.sequence, kind, payload)
            )

    def client(self):
        """A client of a server that is up, either one at random."""
        up = [server for server in self.servers if server.up.is_set()]
        return Client(self.rng.choice(up or self.servers), self.setup)

    def run(self, threads=CLIENT_THREADS):
        workers = [threading.Thread(target=self.work) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    def next_event(self):
        while True:
            with self.lock:
                if not self.timetable:
                    return None
                at, _seq, kind, payload = self.timetable[0]
                now = time.monotonic()
                if now >= self.events_end:
                    return None
                if at <= now:
                    heapq.heappop(self.timetable)
                    return kind, payload
            time.sleep(min(0.2, max(0.0, at - now)))

    def work(self):
        while event := self.next_event():
            kind, payload = event
            for attempt in range(4):
                try:
                    getattr(self, f"do_{kind}")(self.client(), payload)
                    break
                except Exception as error:  # pylint: disable=broad-except
                    # ShopError: a server down or a connection terminated;
                    # anything else is counted too, and the client goes on.
                    with self.lock:
                        self.facts.errors[f"{kind}: {short_error(error)}"] += 1
                    time.sleep(1 + attempt)

    # --- the events --- #

    def do_order(self, client, customer_id):
        with self.lock:
            if self.orders_left <= 0 or time.monotonic() > self.load_end:
                return
            self.orders_left -= 1
        quantity = 25 if self.rng.random() < 0.03 else self.rng.randint(1, 3)
        flash = self.rng.random() < 0.5
        order_id, token = client.place_order(customer_id, quantity, flash)
        deadline = self.plan.deadline * 60
        with self.lock:
            self.facts.orders[order_id] = (token, customer_id, time.monotonic())
        draw = self.rng.random()
        if draw < 0.45:
            self.schedule(self.rng.uniform(5, deadline * 1.15), "pay", order_id)
        elif draw < 0.49:
            self.schedule(self.rng.uniform(10, deadline), "cancel", order_id)
        if self.rng.random() < 0.08:
            self.schedule(self.rng.uniform(20, 120), "order", customer_id)
        if self.rng.random() < 0.01:
            self.schedule(self.rng.uniform(10, deadline), "phone", customer_id)
        if self.rng.random() < 0.01:
            self.schedule(self.rng.uniform(30, deadline), "opt_out", order_id)

    def do_pay(self, client, order_id):
        token = self.facts.orders[order_id][0]
        outcome = client.pay(order_id, token)
        with self.lock:
            self.facts.outcomes[f"payment {outcome}"] += 1
            if outcome == "done":
                self.facts.paid[order_id] = time.monotonic()

    def do_cancel(self, client, order_id):
        client.cancel(order_id)
        with self.lock:
            self.facts.cancelled.add(order_id)
            self.facts.outcomes["cancelled"] += 1

    def do_phone(self, client, customer_id):
        number = mobile_number(self.rng)
        client.change_phone(customer_id, number)
        with self.lock:
            self.facts.phones[customer_id] = number
            self.facts.outcomes["phone changed"] += 1

    def do_opt_out(self, client, order_id):
        channel = self.rng.choice(["sms", "email"])
        token = opt_out_token(self.setup["secret"], order_id, channel)
        client.opt_out(order_id, channel, token)
        with self.lock:
            customer = self.facts.orders[order_id][1]
            self.facts.opted_out[customer] = (channel, time.time())
            self.facts.outcomes[f"opt-out {channel}"] += 1


def opt_out_token(secret, order_id, channel):
    """The order's opt-out token, as ``odoo.tools.misc.hmac`` makes it."""
    import hashlib
    import hmac

    message = repr(("payment_reminder-opt-out", (order_id, channel)))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def short_error(error):
    text = str(error)
    for known in (
        "Connection refused",
        "Connection aborted",
        "Read timed out",
        "terminat",
        "HTTP 5",
        "could not serialize",
    ):
        if known in text:
            return f"{text.split(':')[0]} {known}"
    return text[:90]


# === FAULTS === #


def running_crons(crons):
    """The ids of the crons some worker is running now: their row is locked.

    The probe locks the free rows for a moment (and lets go): a cron worker
    looking for work at that instant skips the job until its next round.
    """
    with psycopg2.connect(dbname=DB, application_name="soak-probe") as conn:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT id FROM ir_cron WHERE id = ANY(%s) "
                "FOR NO KEY UPDATE SKIP LOCKED",
                [list(crons)],
            )
            free = {row[0] for row in cr.fetchall()}
        conn.rollback()
    return set(crons) - free


def wait_for(condition, timeout, step=1.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(step)
    return False


class Faults:
    """The faults, each at its moment of the load: a payment burst while a
    send batch runs, server A killed and restarted, server B's connections
    terminated."""

    def __init__(self, driver, servers):
        self.driver = driver
        self.servers = {server.name: server for server in servers}
        self.facts = driver.facts
        crons = driver.setup["crons"]
        self.send_cron = crons[SEND_CRON]
        self.cron_names = {cron_id: xmlid for xmlid, cron_id in crons.items()}
        self.missed = []  # the faults that did not happen: the run fails
        self.done = []
        self.names = []

    def run(self):
        plan, start = self.driver.plan, self.driver.started
        load = plan.minutes * 60
        timetable = [
            (start + load * 0.35, self.payment_burst),
            (start + load * 0.5, self.kill_and_restart),
            (start + load * 0.75, self.terminate_connections),
        ]
        self.names = [fault.__name__ for _moment, fault in timetable]
        threads = [
            threading.Thread(target=self.at, args=fault, daemon=True)
            for fault in timetable
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def at(self, moment, fault):
        time.sleep(max(0.0, moment - time.monotonic()))
        try:
            fault()
            if fault.__name__ not in self.missed:
                self.done.append(fault.__name__)
        except Exception as error:  # pylint: disable=broad-except
            self.missed.append(fault.__name__)
            self.note(f"{fault.__name__} failed: {error!r}")

    def note(self, line):
        say(line)
        self.facts.faults.append(line)

    def payment_burst(self, size=20):
        """Wait (up to six cron periods) for a send batch with reminders due,
        then pay orders those reminders are about, all at once."""
        due_orders = []

        def sending():
            if self.send_cron not in running_crons([self.send_cron]):
                return False
            due_orders[:] = [
                row[0]
                for row in sql(
                    "SELECT r.order_id FROM payment_reminder r "
                    "JOIN sale_order o ON o.id = r.order_id "
                    "WHERE r.state = 'planned' AND r.scheduled_at <= now() "
                    "AT TIME ZONE 'UTC' + interval '30 seconds' "
                    "AND o.state = 'sent' AND r.order_id = ANY(%s) LIMIT %s",
                    [list(self.driver.facts.orders), size],
                )
            ]
            return bool(due_orders)

        if not wait_for(sending, 6 * CRON_PERIOD, step=0.1):
            self.missed.append("payment_burst")
            self.note("payment burst: no send batch with due reminders seen")
            return
        started = time.monotonic()
        threads = [
            threading.Thread(target=self.burst_pay, args=(order,))
            for order in due_orders
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        still = self.send_cron in running_crons([self.send_cron])
        self.note(
            f"payment burst: {len(due_orders)} orders with due reminders paid at once "
            f"while a send batch ran, in {time.monotonic() - started:.1f}s "
            f"(send batch {'still running' if still else 'finished'} after the burst)"
        )

    def burst_pay(self, order_id):
        """One payment of the burst, once: a failure is counted, as the
        clients count theirs (the order is not counted paid)."""
        try:
            self.driver.do_pay(self.driver.client(), order_id)
        except Exception as error:  # pylint: disable=broad-except
            with self.driver.lock:
                self.facts.errors[f"burst pay: {short_error(error)}"] += 1

    def kill_and_restart(self, name="A"):
        """SIGKILL server A's processes, preferably while a cron job runs."""
        server = self.servers[name]
        crons = list(self.cron_names)
        busy = []
        wait_for(lambda: bool(busy.extend(running_crons(crons)) or busy), CRON_PERIOD)
        mine = sql(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE %s "
            "AND state IN ('active', 'idle in transaction')",
            [f"soak-{name}-%"],
        )[0][0]
        server.kill()
        killed_at = time.monotonic()
        running = sorted({self.cron_names[c].split(".")[-1] for c in busy})
        time.sleep(3)
        server.start()
        self.note(
            f"SIGKILL server {name} (crons running: {', '.join(running) or 'none'}; "
            f"{mine} of its connections in a transaction); restarted and serving "
            f"again {time.monotonic() - killed_at:.1f}s later"
        )

    def terminate_connections(self, name="B"):
        """pg_terminate_backend() every PostgreSQL connection of server B."""
        rows = sql(
            "SELECT pid, state, pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name LIKE %s",
            [f"soak-{name}-%"],
        )
        states = Counter(row[1] for row in rows)
        self.note(
            f"pg_terminate_backend: {len(rows)} connections of server {name} "
            f"({', '.join(f'{n} {s}' for s, n in states.items())})"
        )


# === INVARIANTS === #


def read_gateway_logs(extra=()):
    """Every e-mail and SMS handed to a gateway, from every process's log."""
    lines = [
        json.loads(line)
        for path in sorted(GATEWAY_DIR.glob("*.jsonl"))
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    return lines + list(extra)


def rows(cr, query, params=None):
    cr.execute(query, params or {})
    return cr.fetchall()


def count(cr, query, params=None):
    return rows(cr, query, params)[0][0]


def check_invariants(cr, plan, facts, gateway):
    """The shop's invariants, from the database (``cr``) and the gateway logs.

    :return: [(invariant, count of breaks, detail)]; a count above zero breaks
    """
    p = {
        "interval": timedelta(minutes=plan.min_interval),
        "stuck": STUCK_AFTER,
        "orders": list(map(int, facts.orders)),
        # Checked again later (--check-only), the run still ends when the
        # servers stopped: nothing was due to happen after that.
        "ended": facts.ended_at or datetime.utcnow().isoformat(),
    }
    results = []

    def add(name, broken, detail=""):
        results.append((name, broken, detail))

    # A reminder "sent" is one that reached the customer: done (calls are
    # handed to an agent, state "calling", and contact nobody by themselves).
    sent_gap = """
        SELECT count(*) FROM (
            SELECT done_at - lag(done_at) OVER (PARTITION BY {key} ORDER BY done_at)
                   AS gap
              FROM payment_reminder WHERE state = 'done') gaps
         WHERE gap < %(interval)s"""
    add(
        "two reminders within the minimum interval (same customer)",
        count(cr, sent_gap.format(key="partner_id"), p),
    )
    add(
        "two reminders within the minimum interval (same mobile / customer key)",
        count(cr, sent_gap.format(key="company_id, customer_key"), p),
    )
    after_payment = rows(
        cr,
        """
        SELECT r.sent_after_payment, count(DISTINCT r.id)
          FROM payment_reminder r
          JOIN payment_reminder_sale_order_rel rel ON rel.reminder_id = r.id
          JOIN sale_order_transaction_rel str ON str.sale_order_id = rel.sale_order_id
          JOIN payment_transaction tx ON tx.id = str.transaction_id
         WHERE r.state = 'done' AND tx.state IN ('authorized', 'done')
           AND tx.payment_reminder_paid_at < r.done_at
         GROUP BY r.sent_after_payment""",
    )
    after_payment = dict(after_payment)
    sent = count(cr, "SELECT count(*) FROM payment_reminder WHERE state = 'done'")
    flagged = count(
        cr, "SELECT count(*) FROM payment_reminder WHERE sent_after_payment"
    )
    add(
        "reminder sent after the payment was recorded, not flagged",
        after_payment.get(False, 0),
    )
    # The addon flags every reminder that went out while a payment was under
    # way (the customer on the payment page); the races this bound is about
    # are those that went out after the payment was recorded.
    races = after_payment.get(True, 0)
    share = races / sent if sent else 0.0
    add(
        f"flagged 'sent after payment' over {MAX_SENT_AFTER_PAYMENT:.1%} of sent",
        int(share >= MAX_SENT_AFTER_PAYMENT),
        f"{races} of {sent} ({share:.2%}) sent after the payment was recorded; "
        f"{flagged - races} more flagged, sent while a payment was under way",
    )
    # A run in which nothing went out proves nothing: the first short runs
    # held every invariant without a reminder sent (the queue was never
    # built, then built too late).
    done_by_channel = dict(
        rows(
            cr,
            "SELECT channel, count(*) FROM payment_reminder WHERE state = 'done' "
            "GROUP BY channel",
        )
    )
    silent = [c for c in ("email", "sms") if not done_by_channel.get(c)]
    add(
        "channel with no reminder done (e-mail, SMS)",
        len(silent),
        ", ".join(silent),
    )
    opted_out_late = 0
    for customer, (_channel, at) in facts.opted_out.items():
        opted_out_late += count(
            cr,
            "SELECT count(*) FROM payment_reminder r JOIN res_partner p "
            "ON p.id = %(customer)s WHERE r.partner_id = p.commercial_partner_id "
            "AND r.state = 'done' AND r.done_at > %(at)s",
            {"customer": int(customer), "at": datetime.utcfromtimestamp(at)},
        )
    add("reminder sent after the customer opted out", opted_out_late)
    closed = """
        FROM sale_order o
        WHERE o.reminder_closed_kind = 'auto' AND o.state = 'cancel' AND {cond}"""
    add(
        "closed unpaid: a reminder sent after its deadline",
        count(
            cr,
            "SELECT count(*) "
            + closed.format(
                cond="""EXISTS (SELECT 1 FROM payment_reminder r
                  JOIN payment_reminder_sale_order_rel rel ON rel.reminder_id = r.id
                 WHERE rel.sale_order_id = o.id AND r.state = 'done'
                   AND r.done_at > o.payment_deadline)"""
            ),
        ),
    )
    add(
        "closed unpaid: no reminder before its deadline and no logged reason",
        count(
            cr,
            "SELECT count(*) "
            + closed.format(
                cond="""NOT EXISTS (SELECT 1 FROM payment_reminder r
                  JOIN payment_reminder_sale_order_rel rel ON rel.reminder_id = r.id
                 WHERE rel.sale_order_id = o.id AND (
                       (r.state = 'done' AND r.done_at <= o.payment_deadline)
                    OR r.state = 'calling'
                    OR (r.state = 'skipped' AND r.skip_reason IS NOT NULL)
                    OR (r.state = 'failed' AND r.error_message IS NOT NULL)))"""
            ),
        ),
    )
    add(
        "duplicated reminder rows (customer, step, day)",
        count(
            cr,
            """SELECT count(*) FROM (SELECT 1 FROM payment_reminder
                WHERE step != 'manual'
                GROUP BY company_id, customer_key, step, queue_date
               HAVING count(*) > 1) dup""",
        ),
    )
    add(
        "duplicated reminders sent (order, step)",
        count(
            cr,
            """SELECT count(*) FROM (SELECT 1 FROM payment_reminder
                WHERE state IN ('done', 'calling') AND step != 'manual'
                GROUP BY order_id, step HAVING count(*) > 1) dup""",
        ),
    )
    now = "%(ended)s::timestamp"
    add(
        "reminder stuck planned past its time (two cron periods)",
        count(
            cr,
            "SELECT count(*) FROM payment_reminder WHERE state = 'planned' "
            f"AND scheduled_at < {now} - %(stuck)s",
            p,
        ),
    )
    # Orders that waited the minimum delay and two cron periods, unpaid and
    # open, and were never queued: a queue that never gets built breaks this.
    # A customer has one row per step and shop day (the soak's shop is UTC):
    # an order placed after that day's row was skipped with its reason (the
    # customer paid another order that day, rule 2) gets none of its own.
    add(
        "unpaid order never queued (minimum delay + two cron periods)",
        count(
            cr,
            "SELECT count(*) FROM sale_order o WHERE o.id = ANY(%(orders)s) "
            "AND o.awaiting_payment AND o.state = 'sent' "
            f"AND o.date_order < {now} - %(stuck)s - interval '1 minute' "
            "AND NOT EXISTS (SELECT 1 FROM payment_reminder_sale_order_rel rel "
            "WHERE rel.sale_order_id = o.id) "
            "AND NOT EXISTS (SELECT 1 FROM payment_reminder r "
            "WHERE r.company_id = o.company_id "
            "AND r.customer_key = o.reminder_customer_key "
            "AND r.queue_date = o.date_order::date "
            "AND r.state = 'skipped' AND r.skip_reason IS NOT NULL)",
            p,
        ),
    )
    add(
        "failed reminder without its error",
        count(
            cr,
            "SELECT count(*) FROM payment_reminder WHERE state = 'failed' "
            "AND coalesce(error_message, '') = ''",
        ),
    )
    add(
        "e-mail or SMS stuck in Odoo's queue (two cron periods)",
        count(
            cr,
            "SELECT (SELECT count(*) FROM mail_mail WHERE state = 'outgoing' "
            f"AND create_date < {now} - %(stuck)s) + (SELECT count(*) FROM sms_sms "
            f"WHERE state = 'outgoing' AND create_date < {now} - %(stuck)s)",
            p,
        ),
    )
    handed = Counter((line["kind"], line["key"]) for line in gateway)
    twice = {key: n for key, n in handed.items() if n > 1}
    add(
        "e-mail or SMS handed to the gateway twice",
        len(twice),
        ", ".join(f"{kind} {key} x{n}" for (kind, key), n in list(twice.items())[:3]),
    )
    sms_sent = {key for kind, key in handed if kind == "sms"}
    sms_reminders = rows(
        cr,
        "SELECT sms_uuid FROM payment_reminder WHERE state = 'done' "
        f"AND channel = 'sms' AND done_at < {now} - %(stuck)s",
        p,
    )
    add(
        "SMS reminder done, its SMS never handed to the gateway",
        sum(1 for (uid,) in sms_reminders if uid not in sms_sent),
    )
    # The restart lost nothing the clients were told was done.
    found = {
        order_id: state
        for order_id, state in rows(
            cr, "SELECT id, state FROM sale_order WHERE id = ANY(%(orders)s)", p
        )
    }
    lost = [
        sum(1 for order in facts.orders if int(order) not in found),
        # A paid order the shop cancelled afterwards is the shop's decision.
        sum(
            1
            for order in facts.paid
            if found.get(int(order)) != "sale" and int(order) not in facts.cancelled
        ),
        sum(1 for order in facts.cancelled if found.get(int(order)) != "cancel"),
    ]
    phones = dict(
        rows(
            cr,
            "SELECT id, mobile FROM res_partner WHERE id = ANY(%(ids)s)",
            {"ids": list(map(int, facts.phones))},
        )
    )
    lost.append(sum(1 for c, n in facts.phones.items() if phones.get(int(c)) != n))
    opted = dict(
        rows(
            cr,
            "SELECT p.id, c.payment_reminder_opt_out FROM res_partner p JOIN "
            "res_partner c ON c.id = p.commercial_partner_id WHERE p.id = ANY(%(ids)s)",
            {"ids": list(map(int, facts.opted_out))},
        )
    )
    lost.append(sum(1 for c in facts.opted_out if not opted.get(int(c))))
    add(
        "lost: acknowledged orders, payments, cancels, phones, opt-outs",
        sum(lost),
        " / ".join(map(str, lost)),
    )
    return results


# === FIGURES === #


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0


def figures(cr, facts, gateway, servers):
    """The run in figures: [(what, value)]."""
    by_channel = dict(
        rows(
            cr,
            "SELECT coalesce(channel, '-'), count(*) FROM payment_reminder "
            "WHERE state = 'done' GROUP BY 1",
        )
    )
    states = dict(rows(cr, "SELECT state, count(*) FROM payment_reminder GROUP BY 1"))
    skips = rows(
        cr,
        "SELECT skip_reason, count(*) FROM payment_reminder WHERE state = 'skipped' "
        "GROUP BY 1 ORDER BY 2 DESC",
    )
    delays = [
        float(seconds)
        for (seconds,) in rows(
            cr,
            "SELECT extract(epoch FROM done_at - scheduled_at) FROM payment_reminder "
            "WHERE state = 'done'",
        )
    ]
    handed = Counter(line["kind"] for line in gateway)
    # A reminder is done when handed to Odoo's SMS (mail) queue; Odoo's queue
    # cron hands it to the gateway later. For SMS the gateway log names the
    # reminder (its uuid): how much later, and how many after the deadline.
    sms_handed = {}
    for line in gateway:
        if line["kind"] == "sms":
            sms_handed.setdefault(line["key"], line["at"])
    sms_done = rows(
        cr,
        "SELECT r.sms_uuid, extract(epoch FROM r.done_at), "
        "extract(epoch FROM o.payment_deadline) FROM payment_reminder r "
        "JOIN sale_order o ON o.id = r.order_id "
        "WHERE r.state = 'done' AND r.channel = 'sms'",
    )
    queue_lags = [
        sms_handed[uid] - float(done)
        for uid, done, _deadline in sms_done
        if uid in sms_handed
    ]
    handed_late = sum(
        1
        for uid, _done, deadline in sms_done
        if uid in sms_handed and deadline and sms_handed[uid] > float(deadline)
    )
    orders = count(cr, "SELECT count(*) FROM sale_order")
    payments = count(
        cr, "SELECT count(*) FROM payment_transaction WHERE state = 'done'"
    )
    closed = count(
        cr, "SELECT count(*) FROM sale_order WHERE reminder_closed_kind = 'auto'"
    )
    lines = [
        (
            "orders placed (acknowledged / in the database)",
            f"{len(facts.orders)} / {orders}",
        ),
        (
            "payments done (driver / transactions done)",
            f"{len(facts.paid)} / {payments}",
        ),
        (
            "orders closed unpaid / cancelled by the shop",
            f"{closed} / {len(facts.cancelled)}",
        ),
        (
            "reminders sent per channel",
            ", ".join(f"{channel} {n}" for channel, n in sorted(by_channel.items()))
            + f"; calls handed to agents {states.get('calling', 0)}",
        ),
        (
            "reminder rows by state",
            ", ".join(f"{state} {n}" for state, n in sorted(states.items())),
        ),
        ("skipped because", ", ".join(f"{reason} {n}" for reason, n in skips)),
        (
            "handed to the gateways",
            f"e-mail {handed['email']}, SMS {handed['sms']}",
        ),
        (
            "due to sent (median / p95)",
            f"{statistics.median(delays) if delays else 0:.0f} s / "
            f"{percentile(delays, 0.95):.0f} s",
        ),
        (
            "SMS reminders: done to handed to the gateway (median / p95); "
            "handed after the order's deadline",
            f"{statistics.median(queue_lags) if queue_lags else 0:.0f} s / "
            f"{percentile(queue_lags, 0.95):.0f} s; {handed_late}",
        ),
        (
            "driver events",
            ", ".join(f"{k} {n}" for k, n in sorted(facts.outcomes.items())),
        ),
        (
            "driver errors (retried)",
            ", ".join(f"{k} x{n}" for k, n in facts.errors.most_common(6)) or "none",
        ),
    ]
    lines.append(("server logs: cron jobs failed and rolled back", cron_failures()))
    for server in servers:
        usage = server.usage()
        lines.append(
            (
                f"server {server.name}: CPU mean / peak, RSS mean / peak",
                f"{usage['cpu_mean']:.0f}% / {usage['cpu_peak']:.0f}% of a core, "
                f"{usage['rss_mean']:.0f} / {usage['rss_peak']:.0f} MB",
            )
        )
    return lines


def cron_failures():
    """The cron jobs that failed (and were rolled back, to run again), by the
    first line of the error the servers logged, from both servers' logs."""
    failures = Counter()
    for path in VAR.glob("server-*.log"):
        text = path.read_text(errors="replace")
        for match in re.finditer(
            r"ir_cron: Job '([^']+)' \(\d+\) server action #\d+ failed"
            r"[\s\S]*?\n([A-Za-z_][\w.]*: [^\n]*)",
            text,
        ):
            failures[f"{match[1]}: {match[2][:70]}"] += 1
    return "; ".join(f"{what} x{n}" for what, n in failures.most_common()) or "none"


def report(plan, lines, results, faults, wall):
    """Print the figures and invariants; keep them in var/soak/soak.md."""
    broken = [result for result in results if result[1]]
    text = [
        f"## Soak run {datetime.now():%Y-%m-%d %H:%M} ({os.cpu_count()} cores)",
        "",
        f"{plan.minutes:g} min of load, {plan.orders} orders at most, deadline "
        f"{plan.deadline} min, final reminder {plan.final_before} min before, "
        f"minimum interval {plan.min_interval} min, drain {plan.drain:g} min; "
        f"wall time {wall / 60:.1f} min",
        "",
        "| figure | value |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in lines),
        "",
        "Faults:",
        "",
        *(f"- {line}" for line in faults),
        "",
        "| invariant | breaks | detail |",
        "|---|---:|---|",
        *(f"| {name} | {n} | {detail} |" for name, n, detail in results),
        "",
        f"**BROKEN: {len(broken)} invariant(s)**"
        if broken
        else "**all invariants hold**",
    ]
    output = "\n".join(text)
    print(output, flush=True)
    (VAR / "soak.md").write_text(output + "\n")
    return not broken


# === MAIN === #


def self_check(plan, facts):
    """Break three invariants on purpose in the kept database of the last run
    (in a transaction rolled back) and its gateway logs (one line repeated in
    memory): the checker must see every one of them."""
    gateway = read_gateway_logs()
    if not gateway:
        raise SystemExit("self-check: no gateway log; run make soak first")
    with psycopg2.connect(dbname=DB, application_name="soak-self-check") as conn:
        with conn.cursor() as cr:
            cr.execute(
                """
                WITH two AS (SELECT id, partner_id, done_at FROM payment_reminder
                              WHERE state = 'done' ORDER BY id LIMIT 2)
                UPDATE payment_reminder r
                   SET partner_id = (SELECT partner_id FROM two ORDER BY id LIMIT 1),
                       done_at = (SELECT done_at FROM two ORDER BY id LIMIT 1)
                                 + interval '30 seconds'
                 WHERE r.id = (SELECT max(id) FROM two)"""
            )
            cr.execute(
                "UPDATE payment_reminder SET state = 'planned', scheduled_at = "
                "(now() AT TIME ZONE 'UTC') - interval '1 hour' WHERE id = "
                "(SELECT max(id) FROM payment_reminder WHERE state = 'done')"
            )
            results = check_invariants(cr, plan, facts, gateway + gateway[:1])
            conn.rollback()
    expected = ("minimum interval (same customer)", "stuck planned", "gateway twice")
    seen = {name: n for name, n, _detail in results}
    missed = [e for e in expected if not any(e in name and seen[name] for name in seen)]
    for name, n, _detail in results:
        say(f"self-check: {n:4} {name}")
    if missed:
        say(f"self-check FAILED: not detected: {missed}")
        return 1
    say("self-check: every injected break was detected")
    return 0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=env_number("SOAK_MINUTES", 5))
    parser.add_argument(
        "--orders", type=int, default=int(env_number("SOAK_ORDERS", 2000))
    )
    parser.add_argument(
        "--deadline",
        type=int,
        default=int(env_number("SOAK_DEADLINE", 10)),
        help="minutes from order to close (flash-sale deadline)",
    )
    parser.add_argument(
        "--drain",
        type=float,
        default=env_number("SOAK_DRAIN", 0) or None,
        help="minutes the servers run after the load (default: deadline + 2.5)",
    )
    parser.add_argument(
        "--check-only",
        action="store_true",
        help="check the invariants of the last run again (kept DB and logs)",
    )
    parser.add_argument(
        "--self-check",
        action="store_true",
        help="break invariants on purpose in the last run's data: all detected?",
    )
    args = parser.parse_args()
    drain = args.drain or args.deadline + 2.5
    return args, Plan(args.minutes, args.orders, args.deadline, drain)


def load_facts():
    saved = json.loads((VAR / "facts.json").read_text())
    facts = Facts(**{k: v for k, v in saved.items() if k not in ("outcomes", "errors")})
    facts.cancelled = set(facts.cancelled)
    facts.outcomes, facts.errors = Counter(saved["outcomes"]), Counter(saved["errors"])
    return facts


def save_facts(facts):
    saved = {name: getattr(facts, name) for name in Facts.__dataclass_fields__}
    saved["cancelled"] = sorted(facts.cancelled)
    (VAR / "facts.json").write_text(json.dumps(saved))


def run(plan):
    """The whole soak run; True when every invariant holds."""
    wall = time.monotonic()
    config = write_config()
    create_database(config)
    setup = configure(config, plan)
    GATEWAY_DIR.mkdir(parents=True, exist_ok=True)
    for old in [*GATEWAY_DIR.glob("*.jsonl"), *VAR.glob("server-*.log")]:
        old.unlink()
    servers = [Server(name, config) for name in SERVERS]
    stop = threading.Event()
    try:
        for server in servers:
            server.start()
        say(f"servers up on {[s.port for s in servers]}; load for {plan.minutes:g} min")

        def sample():
            while not stop.wait(2):
                for server in servers:
                    server.sample()

        threading.Thread(target=sample, daemon=True).start()
        driver = Driver(plan, setup, servers, time.monotonic())
        faults = Faults(driver, servers)
        threading.Thread(target=faults.run, daemon=True).start()
        driver.run()
        end = driver.load_end + plan.drain * 60
        say(f"load done ({len(driver.facts.orders)} orders); the crons settle")
        time.sleep(max(0.0, end - time.monotonic()))
    finally:
        stop.set()
        for server in servers:
            server.stop()
    facts = driver.facts
    facts.ended_at = datetime.utcnow().isoformat()
    save_facts(facts)
    with psycopg2.connect(dbname=DB, application_name="soak-check") as conn:
        with conn.cursor() as cr:
            gateway = read_gateway_logs()
            results = check_invariants(cr, plan, facts, gateway)
            # A fault still waiting for its moment when the run ended (the
            # payment burst waits for a send batch) did not happen either.
            for name in faults.names:
                if name not in faults.done and name not in faults.missed:
                    faults.missed.append(name)
                    faults.note(f"{name}: still waiting when the run ended")
            results.append(
                (
                    "faults that did not happen",
                    len(faults.missed),
                    ", ".join(faults.missed),
                )
            )
            lines = figures(cr, facts, gateway, servers)
    return report(plan, lines, results, facts.faults, time.monotonic() - wall)


def main():
    args, plan = parse_args()
    if args.self_check:
        return self_check(plan, load_facts())
    if args.check_only:
        with psycopg2.connect(dbname=DB) as conn, conn.cursor() as cr:
            results = check_invariants(cr, plan, load_facts(), read_gateway_logs())
        for name, n, detail in results:
            print(f"{n:5}  {name}  {detail}")
        return 1 if any(n for _name, n, _d in results) else 0
    return 0 if run(plan) else 1


if __name__ == "__main__":
    sys.exit(main())
