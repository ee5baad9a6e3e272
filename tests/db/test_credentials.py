"""Password hashes never reach the application role: it gets salt and parameters, the database compares."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tutorassist.identity.security import candidate_hash, hash_password, needs_rehash

# These tests are about the parameters production hashes with (the database's answer for unknown accounts among them).
pytestmark = pytest.mark.usefixtures("production_password_hasher")

# The SQL knows which function may touch users.password_hash, and none of them hands it out.
FUNCTIONS_TOUCHING_HASHES = {"sign_up", "password_parameters", "check_password", "replace_password_hash"}
PASSWORD = "correct horse battery"


@pytest.fixture
def account(owner):
    stored = hash_password(PASSWORD)
    user_id = owner.execute("SELECT app.sign_up('Ada@Example.com', 'Ada', %s)", (stored,)).fetchone()[0]
    return user_id, stored


def _as_app(app_db, sql: str, **params):
    with app_db.begin() as conn:
        return conn.execute(text(sql), params).mappings().all()


def test_no_table_view_or_column_gives_the_app_role_a_password_hash(owner, account):
    assert owner.execute("SELECT has_column_privilege('tutorassist_app', 'public.users', 'password_hash', 'SELECT')"
                         ).fetchone()[0] is False
    views = owner.execute(
        "SELECT view_schema || '.' || view_name FROM information_schema.view_column_usage "
        "WHERE table_name = 'users' AND column_name = 'password_hash'").fetchall()
    for (view,) in views:
        assert owner.execute("SELECT has_table_privilege('tutorassist_app', %s, 'SELECT')", (view,)).fetchone()[0] is False
    # Every column the role may read anywhere, read for real: the stored digest is in none of them.
    digest = account[1].rsplit("$", 1)[1]
    readable = owner.execute(
        "SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns c "
        "WHERE c.table_schema IN ('public', 'app') "
        "AND has_column_privilege('tutorassist_app', quote_ident(c.table_schema) || '.' || quote_ident(c.table_name), "
        "c.column_name, 'SELECT')").fetchall()
    assert readable
    with owner.transaction():
        owner.execute("SET LOCAL ROLE tutorassist_app")
        owner.execute("SELECT set_config('app.user_id', %s, true)", (str(account[0]),))
        for schema, table, column in readable:
            values = owner.execute(f'SELECT "{column}"::text FROM "{schema}"."{table}"').fetchall()
            assert not any(v and digest in v for (v,) in values), f"{schema}.{table}.{column}"


def test_no_function_the_app_role_may_call_returns_a_password_hash(owner):
    callable_by_app = owner.execute(
        "SELECT p.proname, pg_get_function_result(p.oid), p.prosrc FROM pg_proc p "
        "WHERE p.pronamespace IN ('app'::regnamespace, 'public'::regnamespace) "
        "AND has_function_privilege('tutorassist_app', p.oid, 'EXECUTE')").fetchall()
    touching = {name for name, _result, source in callable_by_app if "password_hash" in source}
    assert touching <= FUNCTIONS_TOUCHING_HASHES, touching - FUNCTIONS_TOUCHING_HASHES
    for name, result, _source in callable_by_app:
        assert "password_hash" not in result, name
    # The old function that returned the hash is gone.
    assert owner.execute("SELECT to_regprocedure('app.credentials(text)')").fetchone()[0] is None
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        with owner.transaction():
            owner.execute("SET LOCAL ROLE tutorassist_app")
            owner.execute("SELECT password_hash FROM users")


def test_parameters_give_salt_and_cost_but_not_the_hash(app_db, account):
    _user, stored = account
    row = _as_app(app_db, "SELECT * FROM app.password_parameters('ada@example.com')")[0]
    assert row["salt"] in stored and stored.rsplit("$", 1)[1] not in str(dict(row))
    assert candidate_hash(PASSWORD, row) == stored  # the application reproduces the hash from what it was told


def test_unknown_email_gets_stable_parameters_shaped_like_a_real_account(app_db, account):
    real = _as_app(app_db, "SELECT * FROM app.password_parameters('ada@example.com')")[0]
    unknown = _as_app(app_db, "SELECT * FROM app.password_parameters('nobody@example.com')")[0]
    again = _as_app(app_db, "SELECT * FROM app.password_parameters('NOBODY@example.com')")[0]
    other = _as_app(app_db, "SELECT * FROM app.password_parameters('someone.else@example.com')")[0]
    assert unknown == again and unknown["salt"] != other["salt"]
    assert {k: v for k, v in unknown.items() if k != "salt"} == {k: v for k, v in real.items() if k != "salt"}
    assert len(unknown["salt"]) == len(real["salt"])
    # The stand-in parameters are the ones new hashes get: a library upgrade that changes them fails here.
    defaults = PasswordHasher()
    assert (unknown["time_cost"], unknown["memory_cost"], unknown["parallelism"], unknown["hash_length"]) == (
        defaults.time_cost, defaults.memory_cost, defaults.parallelism, defaults.hash_len)
    assert not needs_rehash(candidate_hash(PASSWORD, unknown))


def test_check_password_answers_only_on_a_match_and_records_the_attempt(app_db, owner, account):
    user_id, _stored = account
    params = _as_app(app_db, "SELECT * FROM app.password_parameters('ada@example.com')")[0]
    wrong = _as_app(app_db, "SELECT * FROM app.check_password('ada@example.com', :c, '10.0.0.1')",
                    c=candidate_hash("wrong password", params))
    right = _as_app(app_db, "SELECT * FROM app.check_password('ADA@example.com', :c, '10.0.0.1')",
                    c=candidate_hash(PASSWORD, params))
    assert [dict(r) for r in wrong] == [{"outcome": "refused", "user_id": None}]
    assert [dict(r) for r in right] == [{"outcome": "signed_in", "user_id": user_id}]
    attempts = owner.execute("SELECT succeeded FROM sign_in_attempts ORDER BY id").fetchall()
    assert attempts == [(False,), (True,)]
    assert owner.execute("SELECT last_sign_in_at IS NOT NULL FROM users WHERE id = %s", (user_id,)).fetchone()[0]
    owner.execute("UPDATE users SET is_disabled = true WHERE id = %s", (user_id,))
    disabled = _as_app(app_db, "SELECT * FROM app.check_password('ada@example.com', :c, '10.0.0.1')",
                       c=candidate_hash(PASSWORD, params))
    assert [dict(r) for r in disabled] == [{"outcome": "refused", "user_id": None}]


def test_the_database_holds_the_failure_limit_even_for_the_right_password(app_db, owner, account):
    params = _as_app(app_db, "SELECT * FROM app.password_parameters('ada@example.com')")[0]
    outcomes = [_as_app(app_db, "SELECT outcome FROM app.check_password('ada@example.com', :c, '10.0.0.1')",
                        c=candidate_hash(f"guess {n}", params))[0]["outcome"] for n in range(6)]
    assert outcomes == ["refused"] * 5 + ["limited"]
    right = _as_app(app_db, "SELECT outcome FROM app.check_password('ada@example.com', :c, '10.0.0.2')",
                    c=candidate_hash(PASSWORD, params))
    assert right[0]["outcome"] == "limited"
    assert owner.execute("SELECT count(*) FROM sign_in_attempts").fetchone()[0] == 5  # refusals over the limit are not counted
    # The application can neither count nor record attempts by itself any more.
    for call in ("app.sign_in_failures('ada@example.com', '10.0.0.1', interval '1 hour')",
                 "app.record_sign_in_attempt('ada@example.com', '10.0.0.1', true)"):
        with pytest.raises(DBAPIError) as caught:
            _as_app(app_db, f"SELECT * FROM {call}")
        assert isinstance(caught.value.orig, psycopg.errors.InsufficientPrivilege)


def test_rehash_needs_the_current_hash(app_db, owner, account):
    user_id, stored = account
    newer = hash_password(PASSWORD)
    assert _as_app(app_db, "SELECT app.replace_password_hash(:u, :old, :new) AS ok", u=user_id, old="$argon2id$x",
                   new=newer)[0]["ok"] is False
    assert owner.execute("SELECT password_hash FROM users WHERE id = %s", (user_id,)).fetchone()[0] == stored
    assert _as_app(app_db, "SELECT app.replace_password_hash(:u, :old, :new) AS ok", u=user_id, old=stored,
                   new=newer)[0]["ok"] is True
    assert owner.execute("SELECT password_hash FROM users WHERE id = %s", (user_id,)).fetchone()[0] == newer


def test_the_app_role_cannot_read_the_dummy_salt_key(app_db):
    with pytest.raises(DBAPIError) as caught:
        _as_app(app_db, "SELECT * FROM app.identity_secrets")
    assert isinstance(caught.value.orig, psycopg.errors.InsufficientPrivilege)


def test_purge_removes_old_sessions_and_attempts_only(app_db, owner, account):
    user_id, _stored = account
    sessions = {
        "live": ("now() - interval '1 day'", "now() + interval '1 day'", "NULL"),
        "expired_long_ago": ("now() - interval '40 days'", "now() - interval '10 days'", "NULL"),
        "expired_yesterday": ("now() - interval '30 days'", "now() - interval '1 day'", "NULL"),
        "revoked_long_ago": ("now() - interval '20 days'", "now() + interval '10 days'", "now() - interval '8 days'"),
        "revoked_today": ("now() - interval '20 days'", "now() + interval '10 days'", "now() - interval '1 hour'"),
    }
    for n, (created, expires, revoked) in enumerate(sessions.values()):
        owner.execute(f"INSERT INTO auth_sessions (user_id, token_hash, client, created_at, expires_at, revoked_at) "
                      f"VALUES (%s, %s, 'api', {created}, {expires}, {revoked})", (user_id, f"{n:064x}"))
    for age in ("2 days", "25 hours", "23 hours", "1 minute"):
        owner.execute(f"INSERT INTO sign_in_attempts (email, succeeded, attempted_at) VALUES ('a@b.c', false, now() - interval '{age}')")
    counts = _as_app(app_db, "SELECT * FROM app.purge_expired_identity_rows()")[0]
    assert dict(counts) == {"sessions": 2, "sign_in_attempts": 2}
    left = owner.execute("SELECT token_hash FROM auth_sessions ORDER BY token_hash").fetchall()
    assert [int(h, 16) for (h,) in left] == [0, 2, 4]
    assert owner.execute("SELECT count(*) FROM sign_in_attempts").fetchone()[0] == 2
    assert dict(_as_app(app_db, "SELECT * FROM app.purge_expired_identity_rows()")[0]) == {"sessions": 0, "sign_in_attempts": 0}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(password=st.text(min_size=1, max_size=40), guess=st.text(min_size=1, max_size=40),
       email_case=st.sampled_from([str.lower, str.upper, str.title]))
def test_only_the_password_itself_signs_in(app_db, password, guess, email_case):
    """Any password (unicode included), any guess, any case of the email: the database's verdict is password == guess."""
    email = f"p{uuid.uuid4().hex[:10]}@example.com"
    _as_app(app_db, "SELECT app.sign_up(:e, 'P', :h)", e=email, h=hash_password(password))
    params = _as_app(app_db, "SELECT * FROM app.password_parameters(:e)", e=email_case(email))[0]
    outcomes = [_as_app(app_db, "SELECT outcome FROM app.check_password(:e, :c, NULL)", e=email_case(email),
                        c=candidate_hash(attempt, params))[0]["outcome"] for attempt in (guess, password)]
    assert outcomes == ["signed_in" if guess == password else "refused", "signed_in"]
