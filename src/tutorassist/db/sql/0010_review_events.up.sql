-- Review events: one row per spaced-repetition review (a graded attempt), kept so a student's schedule can be
-- replayed or re-fitted (FSRS parameter optimisation). Append-only: the app role may read and insert, never change.

CREATE TABLE review_events (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id bigint GENERATED ALWAYS AS IDENTITY,
  student_user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  question_id uuid NOT NULL,
  attempt_id uuid,
  algorithm text NOT NULL CHECK (algorithm IN ('sm2', 'fsrs')),
  rating smallint NOT NULL CHECK (rating BETWEEN 0 AND 5),
  fsrs_rating smallint NOT NULL CHECK (fsrs_rating BETWEEN 1 AND 4),
  reviewed_at timestamptz NOT NULL DEFAULT now(),
  duration_ms integer CHECK (duration_ms >= 0),
  card_before jsonb CHECK (jsonb_typeof(card_before) = 'object'),
  card_after jsonb NOT NULL CHECK (jsonb_typeof(card_after) = 'object'),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, question_id) REFERENCES questions(workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, attempt_id) REFERENCES attempts(workspace_id, id) ON DELETE SET NULL (attempt_id)
);
CREATE INDEX idx_review_events_student ON review_events(student_user_id, reviewed_at);
CREATE INDEX idx_review_events_question ON review_events(workspace_id, question_id, reviewed_at);
CREATE INDEX idx_review_events_attempt ON review_events(workspace_id, attempt_id) WHERE attempt_id IS NOT NULL;
COMMENT ON TABLE review_events IS 'Spaced-repetition reviews: one row per graded attempt with the card before and after, append-only';
COMMENT ON COLUMN review_events.workspace_id IS 'The workspace';
COMMENT ON COLUMN review_events.id IS 'Event id, increasing';
COMMENT ON COLUMN review_events.student_user_id IS 'The student who reviewed';
COMMENT ON COLUMN review_events.question_id IS 'The question (card) reviewed';
COMMENT ON COLUMN review_events.attempt_id IS 'The attempt that was the review; NULL once that attempt is deleted';
COMMENT ON COLUMN review_events.algorithm IS 'sm2 | fsrs: the scheduler that owned the card at the review';
COMMENT ON COLUMN review_events.rating IS 'SM-2 quality 0..5 of the attempt (see docs/learning.md)';
COMMENT ON COLUMN review_events.fsrs_rating IS 'FSRS rating 1 Again, 2 Hard, 3 Good, 4 Easy (from the quality)';
COMMENT ON COLUMN review_events.reviewed_at IS 'When the review happened (the attempt''s submission time)';
COMMENT ON COLUMN review_events.duration_ms IS 'Time spent on the review in milliseconds, as reported by the client';
COMMENT ON COLUMN review_events.card_before IS 'The card''s scheduling state before the review; NULL for a new card';
COMMENT ON COLUMN review_events.card_after IS 'The card''s scheduling state after the review';

ALTER TABLE review_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE review_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON review_events AS PERMISSIVE FOR ALL TO tutorassist_app
  USING (workspace_id = ANY ((SELECT app.acting_workspaces())::uuid[]))
  WITH CHECK (workspace_id = ANY ((SELECT app.acting_workspaces())::uuid[]));
COMMENT ON POLICY tenant_isolation ON review_events IS 'Rows of the acting user''s workspaces only (app.acting_workspaces)';

-- Events are kept: no UPDATE or DELETE for the application; the id is always generated.
GRANT SELECT ON review_events TO tutorassist_app;
GRANT INSERT (workspace_id, student_user_id, question_id, attempt_id, algorithm, rating, fsrs_rating, reviewed_at,
  duration_ms, card_before, card_after) ON review_events TO tutorassist_app;
