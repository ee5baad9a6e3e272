from tutorassist.db.migrate import script_directory


def test_template_migrated(owner):
    head = script_directory().get_current_head()
    assert owner.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head
