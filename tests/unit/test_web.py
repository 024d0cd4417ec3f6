"""The shared web layer: headers on every page, CSRF refusal, language choice."""

from __future__ import annotations

from flask import Flask
from flask import render_template_string
from flask import request

import web
from web import csrf

PAGE = """{% extends "web/base.html" %}{% block content %}
<form method="post">{{ csrf_field() }}<button>{{ _('continue') }}</button></form>{% endblock %}"""


def _app() -> Flask:
    app = Flask(__name__)
    web.install(app, secret=b"s" * 32, role_name="Test")
    state = {"posted": 0}

    @app.route("/", methods=["GET", "POST"])
    def index() -> str:
        if request.method == "POST":
            state["posted"] += 1
        return render_template_string(PAGE)

    app.config["TESTING"] = True
    app.extensions["state"] = state
    return app


def test_pages_carry_no_cache_and_security_headers() -> None:
    client = _app().test_client()
    response = client.get("/")
    assert response.headers["Cache-Control"] == "no-cache, no-store"
    assert response.headers["Pragma"] == "no-cache"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_dutch_by_default_english_on_request() -> None:
    client = _app().test_client()
    assert 'lang="nl"' in client.get("/").get_data(as_text=True)
    assert ">Doorgaan<" in client.get("/").get_data(as_text=True)
    english = client.get("/?lang=en").get_data(as_text=True)
    assert 'lang="en"' in english and ">Continue<" in english
    # remembered in a cookie
    assert 'lang="en"' in client.get("/").get_data(as_text=True)


def test_post_without_csrf_token_is_refused_and_changes_nothing() -> None:
    app = _app()
    client = app.test_client()
    client.get("/")
    response = client.post("/", data={})
    assert response.status_code == 400
    assert app.extensions["state"]["posted"] == 0


def test_post_with_token_of_this_browser_is_accepted() -> None:
    app = _app()
    client = app.test_client()
    page = client.get("/").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/", data={csrf.FIELD: token}).status_code == 200
    assert app.extensions["state"]["posted"] == 1
    other = app.test_client()
    other.get("/")
    assert other.post("/", data={csrf.FIELD: token}).status_code == 400
