"""pytest glue for pytest-odoo (repo level, applies to every addon's tests).

pytest-odoo starts Odoo with ``server.start(stop=True)``: with ``--test-enable``
(see addopts in setup.cfg) that creates the HTTP server on the test config's
http_port, then shuts it down straight away.  HttpCase tests (url_open, browser_js
tours) need it serving, so start a new one for the whole session.

It also flags the run as a test run the way Odoo's own runner does
(odoo.tests.loader.run_suite), so code guarded by
``threading.current_thread().testing`` or ``odoo.modules.module.current_test``
(e.g. no ``cr.commit()`` in tests) behaves the same under both runners.
"""

import threading

import pytest


@pytest.fixture(scope="session", autouse=True)
def odoo_test_flags():
    try:
        from odoo.modules import module
    except ImportError:
        yield
        return
    thread = threading.current_thread()
    module.current_test = True
    thread.testing = True
    yield
    thread.testing = False
    module.current_test = False


@pytest.fixture(autouse=True)
def odoo_current_test(request):
    """Point ``odoo.modules.module.current_test`` at the running test.

    Odoo's runner does so for every test (odoo.tests.suite); HttpCase's test
    cursors check it on each request (``check_test_cursor``), so browser tours
    fail under pytest without it.
    """
    try:
        from odoo.modules import module
    except ImportError:
        yield
        return
    previous = module.current_test
    if request.instance is not None:
        module.current_test = request.instance
    yield
    module.current_test = previous


@pytest.fixture(scope="session", autouse=True)
def odoo_http_server():
    try:
        from odoo.service import server as odoo_server
    except ImportError:  # pytest run without Odoo: nothing to serve
        yield None
        return
    srv = odoo_server.server
    if srv is None or getattr(srv, "httpd", None) is None:
        # Odoo not started, or started without --test-enable: no HTTP wanted
        yield None
        return
    srv.httpd.server_close()  # stopped and closed by pytest-odoo's start
    srv.http_spawn()  # a new server on the same port, in a daemon thread
    yield srv.httpd
    srv.httpd.shutdown()
    srv.httpd.server_close()
