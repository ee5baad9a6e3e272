-- Question-quality statistics, refreshed per workspace by the REFRESH_ITEM_STATISTICS job (never by the attempt hot
-- path). The job replaces a workspace's rows in one transaction, so readers see the previous rows until it commits;
-- staff read them, no application role writes them.

CREATE TABLE question_item_statistics (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  question_id uuid NOT NULL,
  students integer NOT NULL CHECK (students >= 0),
  facility double precision CHECK (facility BETWEEN 0 AND 1),
  score_sd double precision CHECK (score_sd >= 0),
  rest_students integer NOT NULL CHECK (rest_students BETWEEN 0 AND students),
  discrimination_index double precision CHECK (discrimination_index BETWEEN -100.0001 AND 100.0001),
  discriminative_efficiency double precision,
  dubious boolean NOT NULL DEFAULT false,
  mean_time_seconds double precision CHECK (mean_time_seconds >= 0),
  attempts integer NOT NULL CHECK (attempts >= 0),
  students_attempted integer NOT NULL CHECK (students_attempted >= students),
  flags integer NOT NULL CHECK (flags >= 0),
  open_flags integer NOT NULL CHECK (open_flags BETWEEN 0 AND flags),
  flag_rate double precision CHECK (flag_rate >= 0),
  computed_at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, question_id),
  FOREIGN KEY (workspace_id, question_id) REFERENCES questions(workspace_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE question_item_statistics IS 'Moodle-style item statistics per question over each student''s first graded attempt, refreshed per workspace by the REFRESH_ITEM_STATISTICS job (docs/analytics-quality.md); a question with neither attempts nor flags has no row';
COMMENT ON COLUMN question_item_statistics.workspace_id IS 'The workspace';
COMMENT ON COLUMN question_item_statistics.question_id IS 'The question';
COMMENT ON COLUMN question_item_statistics.students IS 'Sample size n: students with a graded attempt at the question (their first one counts)';
COMMENT ON COLUMN question_item_statistics.facility IS 'Facility index: mean score (0..1) of the first graded attempts; NULL when n = 0';
COMMENT ON COLUMN question_item_statistics.score_sd IS 'Standard deviation of those scores (denominator n - 1); NULL when n < 2';
COMMENT ON COLUMN question_item_statistics.rest_students IS 'Students of the sample with a first graded attempt at another question too (the discrimination sample)';
COMMENT ON COLUMN question_item_statistics.discrimination_index IS '100 x correlation of the item score with the student''s mean score on their other first attempts in the workspace; NULL without variance';
COMMENT ON COLUMN question_item_statistics.discriminative_efficiency IS '100 x C(x, Y) / C_max, C_max the covariance of x and Y each sorted ascending; NULL without variance';
COMMENT ON COLUMN question_item_statistics.dubious IS 'n reaches the minimum sample and facility is outside 0.05..0.95 or discriminative efficiency is below 15';
COMMENT ON COLUMN question_item_statistics.mean_time_seconds IS 'Mean reported time of the first graded attempts that report one';
COMMENT ON COLUMN question_item_statistics.attempts IS 'All attempts at the question, graded or not, first or not';
COMMENT ON COLUMN question_item_statistics.students_attempted IS 'Distinct students with any attempt at the question';
COMMENT ON COLUMN question_item_statistics.flags IS 'Flags raised on the question, whatever their status';
COMMENT ON COLUMN question_item_statistics.open_flags IS 'Flags still open';
COMMENT ON COLUMN question_item_statistics.flag_rate IS 'flags / students_attempted; NULL when nobody attempted';
COMMENT ON COLUMN question_item_statistics.computed_at IS 'The data is complete up to this instant (the refresh''s watermark, item_statistics_refreshes.data_as_of)';

CREATE TABLE topic_wrong_answer_notes (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  topic_id uuid NOT NULL,
  note_code text NOT NULL CHECK (length(note_code) BETWEEN 1 AND 200),
  attempts integer NOT NULL CHECK (attempts >= 1),
  students integer NOT NULL CHECK (students BETWEEN 1 AND attempts),
  last_seen timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, topic_id, note_code),
  FOREIGN KEY (workspace_id, topic_id) REFERENCES topics(workspace_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE topic_wrong_answer_notes IS 'Answer notes of wrong attempts per topic (from attempts.error_taxonomy_json), refreshed per workspace by the REFRESH_ITEM_STATISTICS job; questions without a topic are left out';
COMMENT ON COLUMN topic_wrong_answer_notes.workspace_id IS 'The workspace';
COMMENT ON COLUMN topic_wrong_answer_notes.topic_id IS 'Topic of the questions answered wrongly (as filed at the refresh)';
COMMENT ON COLUMN topic_wrong_answer_notes.note_code IS 'The answer note, a stable code for the path the checker took (e.g. sign_error)';
COMMENT ON COLUMN topic_wrong_answer_notes.attempts IS 'Wrong attempts that carry the note';
COMMENT ON COLUMN topic_wrong_answer_notes.students IS 'Distinct students among them';
COMMENT ON COLUMN topic_wrong_answer_notes.last_seen IS 'submitted_at of the latest such attempt';

CREATE TABLE item_statistics_refreshes (
  workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
  data_as_of timestamptz NOT NULL,
  refreshed_at timestamptz NOT NULL,
  duration_ms integer NOT NULL CHECK (duration_ms >= 0),
  questions integer NOT NULL CHECK (questions >= 0),
  notes integer NOT NULL CHECK (notes >= 0)
);
COMMENT ON TABLE item_statistics_refreshes IS 'When the item statistics of a workspace were last computed; the job recomputes a workspace only when attempts or flags arrived since data_as_of';
COMMENT ON COLUMN item_statistics_refreshes.workspace_id IS 'The workspace';
COMMENT ON COLUMN item_statistics_refreshes.data_as_of IS 'Watermark: every attempt and flag submitted before it was counted (the oldest transaction open at the refresh, or the refresh minus a margin, whichever is earlier)';
COMMENT ON COLUMN item_statistics_refreshes.refreshed_at IS 'When the refresh ran';
COMMENT ON COLUMN item_statistics_refreshes.duration_ms IS 'How long the refresh of the workspace took';
COMMENT ON COLUMN item_statistics_refreshes.questions IS 'question_item_statistics rows written';
COMMENT ON COLUMN item_statistics_refreshes.notes IS 'topic_wrong_answer_notes rows written';

-- Flags that changed since a refresh, per workspace (the dirty check; attempts use idx_attempts_workspace_date).
CREATE INDEX idx_question_flags_workspace_updated ON question_flags(workspace_id, updated_at);
COMMENT ON INDEX idx_question_flags_workspace_updated IS 'Flags raised or triaged since an instant (item statistics refresh)';
-- The commonest notes of a topic first.
CREATE INDEX idx_topic_wrong_answer_notes_rank ON topic_wrong_answer_notes(workspace_id, topic_id, attempts DESC);
COMMENT ON INDEX idx_topic_wrong_answer_notes_rank IS 'A topic''s commonest wrong answer notes first';

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['question_item_statistics', 'topic_wrong_answer_notes', 'item_statistics_refreshes'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY staff_workspace ON %I AS PERMISSIVE FOR SELECT TO tutorassist_app '
                   'USING (workspace_id = (SELECT app.staff_workspace()))', t);
    EXECUTE format('COMMENT ON POLICY staff_workspace ON %I IS %L', t,
                   'Owners and tutors: their workspace''s statistics (written only by the refresh job)');
    EXECUTE format('GRANT SELECT ON %I TO tutorassist_app', t);
  END LOOP;
END
$$;
