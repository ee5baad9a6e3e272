def test_template_migrated(owner):
    assert owner.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0010_review_events"
