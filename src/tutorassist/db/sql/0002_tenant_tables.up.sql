-- Every table holding a workspace's data. Each has workspace_id NOT NULL, leads its primary key and unique constraints
-- with it, and references other tenant tables through (workspace_id, ...) so a row can never point into another
-- workspace. This is also the shape Citus needs to distribute them by workspace_id.

-- ---------------------------------------------------------------- workspaces
CREATE TABLE workspaces (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  owner_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  timezone text NOT NULL DEFAULT 'UTC',
  settings_json jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings_json) = 'object'),
  archived_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_workspaces_owner ON workspaces(owner_user_id);
COMMENT ON TABLE workspaces IS 'Multi-tenant boundary: one tutoring practice (a tutor or a small business) and everything it owns';
COMMENT ON COLUMN workspaces.id IS 'Workspace id; every tenant table carries it as workspace_id';
COMMENT ON COLUMN workspaces.name IS 'Display name of the practice';
COMMENT ON COLUMN workspaces.owner_user_id IS 'The user who created the workspace';
COMMENT ON COLUMN workspaces.timezone IS 'IANA time zone used for due dates, calendars and daily analytics';
COMMENT ON COLUMN workspaces.settings_json IS 'Workspace-level settings (WorkspaceSettings); the last fallback of assignment -> student -> workspace resolution';
COMMENT ON COLUMN workspaces.archived_at IS 'When the workspace was archived; NULL while active';
COMMENT ON COLUMN workspaces.created_at IS 'When the row was created';
COMMENT ON COLUMN workspaces.updated_at IS 'When the row was last changed (trigger-maintained)';

-- ---------------------------------------------------------------- workspace_members
CREATE TABLE workspace_members (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('owner', 'tutor', 'student', 'guardian')),
  invited_by uuid REFERENCES users(id) ON DELETE SET NULL,
  joined_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX idx_workspace_members_user ON workspace_members(user_id, workspace_id);
CREATE INDEX idx_workspace_members_invited_by ON workspace_members(invited_by);
COMMENT ON TABLE workspace_members IS 'Who belongs to a workspace and with which role; the basis of row-level security';
COMMENT ON COLUMN workspace_members.workspace_id IS 'The workspace';
COMMENT ON COLUMN workspace_members.user_id IS 'The member';
COMMENT ON COLUMN workspace_members.role IS 'owner | tutor | student | guardian (read-only parent of one student)';
COMMENT ON COLUMN workspace_members.invited_by IS 'The member who invited this one, if any';
COMMENT ON COLUMN workspace_members.joined_at IS 'When the user joined the workspace';
COMMENT ON COLUMN workspace_members.created_at IS 'When the row was created';
COMMENT ON COLUMN workspace_members.updated_at IS 'When the row was last changed (trigger-maintained)';

-- ---------------------------------------------------------------- student_profiles
CREATE TABLE student_profiles (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  email extensions.citext CHECK (email IS NULL OR email::text ~ '^[^@\s]+@[^@\s]+$'),
  parent_email extensions.citext CHECK (parent_email IS NULL OR parent_email::text ~ '^[^@\s]+@[^@\s]+$'),
  study_program_id uuid REFERENCES study_programs(id) ON DELETE SET NULL,
  grade_level_id uuid REFERENCES grade_levels(id) ON DELETE SET NULL,
  academic_year integer CHECK (academic_year BETWEEN 1900 AND 2200),
  cohort_id uuid,
  cohort_name text,
  settings_json jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings_json) = 'object'),
  notes text,
  archived_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, user_id),
  UNIQUE (workspace_id, email)
);
CREATE INDEX idx_student_profiles_user ON student_profiles(user_id);
CREATE INDEX idx_student_profiles_program ON student_profiles(study_program_id);
CREATE INDEX idx_student_profiles_grade ON student_profiles(grade_level_id);
CREATE INDEX idx_student_profiles_cohort ON student_profiles(workspace_id, cohort_id, academic_year);
COMMENT ON TABLE student_profiles IS 'A student of the workspace; exists before the student signs up (invite-before-signup), linked to a user afterwards';
COMMENT ON COLUMN student_profiles.workspace_id IS 'The workspace';
COMMENT ON COLUMN student_profiles.id IS 'Student profile id';
COMMENT ON COLUMN student_profiles.user_id IS 'The signed-up user; NULL until the invite is accepted';
COMMENT ON COLUMN student_profiles.name IS 'Student name as the tutor entered it';
COMMENT ON COLUMN student_profiles.email IS 'Email the invite goes to; may differ from the user''s sign-in email';
COMMENT ON COLUMN student_profiles.parent_email IS 'Guardian contact for progress reports';
COMMENT ON COLUMN student_profiles.study_program_id IS 'Curriculum the student follows';
COMMENT ON COLUMN student_profiles.grade_level_id IS 'Current grade level';
COMMENT ON COLUMN student_profiles.academic_year IS 'Academic year (starting calendar year) for year-over-year cohort analytics';
COMMENT ON COLUMN student_profiles.cohort_id IS 'Cohort the student is compared with (tutor-defined group)';
COMMENT ON COLUMN student_profiles.cohort_name IS 'Display name of the cohort';
COMMENT ON COLUMN student_profiles.settings_json IS 'Student-level settings (WorkspaceSettings keys); overrides the workspace, overridden by the assignment';
COMMENT ON COLUMN student_profiles.notes IS 'Private tutor notes';
COMMENT ON COLUMN student_profiles.archived_at IS 'When the student was archived; NULL while active';
COMMENT ON COLUMN student_profiles.created_at IS 'When the row was created';
COMMENT ON COLUMN student_profiles.updated_at IS 'When the row was last changed (trigger-maintained)';

-- ---------------------------------------------------------------- invite_tokens
CREATE TABLE invite_tokens (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  student_profile_id uuid,
  email extensions.citext NOT NULL CHECK (email::text ~ '^[^@\s]+@[^@\s]+$'),
  role text NOT NULL DEFAULT 'student' CHECK (role IN ('tutor', 'student', 'guardian')),
  token_hash text NOT NULL CHECK (length(token_hash) >= 32),
  created_by uuid REFERENCES users(id) ON DELETE SET NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  used_by uuid REFERENCES users(id) ON DELETE SET NULL,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, token_hash),
  FOREIGN KEY (workspace_id, student_profile_id) REFERENCES student_profiles(workspace_id, id) ON DELETE CASCADE,
  CHECK (expires_at > created_at),
  CHECK ((used_at IS NULL) = (used_by IS NULL)),
  CHECK (role <> 'student' OR student_profile_id IS NOT NULL)
);
CREATE INDEX idx_invite_tokens_token_hash ON invite_tokens(token_hash);
CREATE INDEX idx_invite_tokens_student ON invite_tokens(workspace_id, student_profile_id);
CREATE INDEX idx_invite_tokens_created_by ON invite_tokens(created_by);
CREATE INDEX idx_invite_tokens_used_by ON invite_tokens(used_by);
COMMENT ON TABLE invite_tokens IS 'Single-use, expiring invitations to join a workspace; only a hash of the secret is stored';
COMMENT ON COLUMN invite_tokens.workspace_id IS 'The workspace invited to';
COMMENT ON COLUMN invite_tokens.id IS 'Invite id';
COMMENT ON COLUMN invite_tokens.student_profile_id IS 'The student profile the invite links the new user to (required for student invites)';
COMMENT ON COLUMN invite_tokens.email IS 'Address the invite was sent to';
COMMENT ON COLUMN invite_tokens.role IS 'Role the user gets on acceptance: tutor | student | guardian';
COMMENT ON COLUMN invite_tokens.token_hash IS 'SHA-256 (hex) of the secret in the invite link; the secret itself is never stored';
COMMENT ON COLUMN invite_tokens.created_by IS 'Member who issued the invite';
COMMENT ON COLUMN invite_tokens.expires_at IS 'After this the invite cannot be used';
COMMENT ON COLUMN invite_tokens.used_at IS 'When the invite was accepted; set once';
COMMENT ON COLUMN invite_tokens.used_by IS 'User who accepted the invite';
COMMENT ON COLUMN invite_tokens.revoked_at IS 'When a tutor revoked the invite';
COMMENT ON COLUMN invite_tokens.created_at IS 'When the invite was issued';

-- ---------------------------------------------------------------- jobs
CREATE TABLE jobs (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  type text NOT NULL CHECK (type ~ '^[A-Z][A-Z0-9_]{2,63}$'),
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  priority smallint NOT NULL DEFAULT 0,
  payload_json jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(payload_json) = 'object'),
  result_json jsonb,
  error_text text,
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts integer NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
  run_after timestamptz NOT NULL DEFAULT now(),
  locked_at timestamptz,
  locked_by text,
  openai_batch_id text,
  created_by uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX idx_jobs_pickup ON jobs(priority DESC, run_after) WHERE status = 'queued';
CREATE INDEX idx_jobs_workspace_status ON jobs(workspace_id, status, created_at DESC);
CREATE INDEX idx_jobs_finished ON jobs(finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX idx_jobs_created_by ON jobs(created_by);
COMMENT ON TABLE jobs IS 'Background job queue (question generation, batch polling, embeddings, reconciliation, view refresh)';
COMMENT ON COLUMN jobs.workspace_id IS 'Workspace the job works for';
COMMENT ON COLUMN jobs.id IS 'Job id';
COMMENT ON COLUMN jobs.type IS 'Job type in UPPER_SNAKE_CASE, e.g. GENERATE_QUESTIONS_BATCH, RECONCILE_STATS';
COMMENT ON COLUMN jobs.status IS 'queued | running | succeeded | failed | cancelled';
COMMENT ON COLUMN jobs.priority IS 'Higher runs first';
COMMENT ON COLUMN jobs.payload_json IS 'Input of the job, by type';
COMMENT ON COLUMN jobs.result_json IS 'Output of a finished job';
COMMENT ON COLUMN jobs.error_text IS 'Last error message';
COMMENT ON COLUMN jobs.attempts IS 'How many times a worker has started the job';
COMMENT ON COLUMN jobs.max_attempts IS 'Give up after this many attempts';
COMMENT ON COLUMN jobs.run_after IS 'Not picked up before this time (retry back-off, scheduling)';
COMMENT ON COLUMN jobs.locked_at IS 'When a worker took the job';
COMMENT ON COLUMN jobs.locked_by IS 'Which worker holds the job';
COMMENT ON COLUMN jobs.openai_batch_id IS 'AI provider batch id for GENERATE_QUESTIONS_BATCH jobs';
COMMENT ON COLUMN jobs.created_by IS 'User who enqueued the job, if any';
COMMENT ON COLUMN jobs.created_at IS 'When the job was enqueued';
COMMENT ON COLUMN jobs.started_at IS 'When the current attempt started';
COMMENT ON COLUMN jobs.finished_at IS 'When the job reached a final state (retention counts from here)';
COMMENT ON COLUMN jobs.updated_at IS 'When the row was last changed (trigger-maintained)';

-- ---------------------------------------------------------------- topics
CREATE TABLE topics (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  parent_id uuid,
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  description text,
  sort_order integer NOT NULL DEFAULT 0,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(metadata) = 'object'),
  archived_at timestamptz,
  created_by uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, parent_id) REFERENCES topics(workspace_id, id) ON DELETE RESTRICT,
  CHECK (parent_id IS NULL OR parent_id <> id),
  UNIQUE NULLS NOT DISTINCT (workspace_id, parent_id, name)
);
CREATE INDEX idx_topics_parent ON topics(workspace_id, parent_id);
CREATE INDEX idx_topics_created_by ON topics(created_by);
COMMENT ON TABLE topics IS 'The workspace''s topic tree (questions are filed under topics); cycles are refused by a trigger';
COMMENT ON COLUMN topics.workspace_id IS 'The workspace';
COMMENT ON COLUMN topics.id IS 'Topic id';
COMMENT ON COLUMN topics.parent_id IS 'Parent topic; NULL for a root';
COMMENT ON COLUMN topics.name IS 'Name, unique among its siblings';
COMMENT ON COLUMN topics.description IS 'Free-text description';
COMMENT ON COLUMN topics.sort_order IS 'Position among siblings, ascending';
COMMENT ON COLUMN topics.metadata IS 'Topic organization, prerequisites, benchmarks, and learning objectives (TopicMetadata, see docs/jsonb-contracts.md)';
COMMENT ON COLUMN topics.archived_at IS 'When the topic was archived; NULL while active';
COMMENT ON COLUMN topics.created_by IS 'User who created the topic';
COMMENT ON COLUMN topics.created_at IS 'When the row was created';
COMMENT ON COLUMN topics.updated_at IS 'When the row was last changed (trigger-maintained)';

-- ---------------------------------------------------------------- source_materials
CREATE TABLE source_materials (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  topic_id uuid,
  title text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 300),
  kind text NOT NULL CHECK (kind IN ('text', 'pdf', 'url', 'image')),
  file_name text,
  mime_type text,
  byte_size bigint CHECK (byte_size >= 0),
  sha256 text CHECK (sha256 IS NULL OR sha256 ~ '^[0-9a-f]{64}$'),
  page_count integer CHECK (page_count >= 0),
  content_text text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(metadata) = 'object'),
  created_by uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, topic_id) REFERENCES topics(workspace_id, id) ON DELETE SET NULL (topic_id)
);
CREATE INDEX idx_source_materials_topic ON source_materials(workspace_id, topic_id);
CREATE INDEX idx_source_materials_created_by ON source_materials(created_by);
COMMENT ON TABLE source_materials IS 'Uploaded teaching material (text or PDF, text extracted) that questions are generated from';
COMMENT ON COLUMN source_materials.workspace_id IS 'The workspace';
COMMENT ON COLUMN source_materials.id IS 'Source material id';
COMMENT ON COLUMN source_materials.topic_id IS 'Topic the material is about, if known';
COMMENT ON COLUMN source_materials.title IS 'Title shown to tutors';
COMMENT ON COLUMN source_materials.kind IS 'text | pdf | url | image';
COMMENT ON COLUMN source_materials.file_name IS 'Original file name of an upload';
COMMENT ON COLUMN source_materials.mime_type IS 'MIME type of an upload';
COMMENT ON COLUMN source_materials.byte_size IS 'Size of the upload in bytes';
COMMENT ON COLUMN source_materials.sha256 IS 'SHA-256 (hex) of the upload, to spot duplicates';
COMMENT ON COLUMN source_materials.page_count IS 'Pages of a PDF';
COMMENT ON COLUMN source_materials.content_text IS 'Extracted plain text used for generation';
COMMENT ON COLUMN source_materials.metadata IS 'Extraction details (per-page offsets, extractor, warnings)';
COMMENT ON COLUMN source_materials.created_by IS 'User who uploaded it';
COMMENT ON COLUMN source_materials.created_at IS 'When the row was created';
COMMENT ON COLUMN source_materials.updated_at IS 'When the row was last changed (trigger-maintained)';

-- ---------------------------------------------------------------- question_batches
CREATE TABLE question_batches (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  created_by uuid REFERENCES users(id) ON DELETE SET NULL,
  openai_batch_id text,
  job_id uuid,
  total_requested integer NOT NULL CHECK (total_requested > 0),
  topics_requested uuid[] NOT NULL DEFAULT '{}',
  difficulty_distribution jsonb,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'submitted', 'running', 'completed', 'failed', 'cancelled')),
  total_generated integer NOT NULL DEFAULT 0 CHECK (total_generated >= 0),
  total_failed integer NOT NULL DEFAULT 0 CHECK (total_failed >= 0),
  total_tokens integer CHECK (total_tokens >= 0),
  total_cost_usd numeric(12, 6) CHECK (total_cost_usd >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  completed_at timestamptz,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, openai_batch_id),
  FOREIGN KEY (workspace_id, job_id) REFERENCES jobs(workspace_id, id) ON DELETE SET NULL (job_id),
  CHECK (total_generated + total_failed <= total_requested)
);
CREATE INDEX idx_question_batches_job ON question_batches(workspace_id, job_id);
CREATE INDEX idx_question_batches_created_by ON question_batches(created_by);
COMMENT ON TABLE question_batches IS 'One bulk AI generation request: what was asked, what came back, what it cost. Its questions carry batch_id';
COMMENT ON COLUMN question_batches.workspace_id IS 'The workspace';
COMMENT ON COLUMN question_batches.id IS 'Batch id (questions.batch_id)';
COMMENT ON COLUMN question_batches.created_by IS 'User who requested the batch';
COMMENT ON COLUMN question_batches.openai_batch_id IS 'AI provider batch id, unique per workspace';
COMMENT ON COLUMN question_batches.job_id IS 'The job that submits and polls the batch';
COMMENT ON COLUMN question_batches.total_requested IS 'Questions requested';
COMMENT ON COLUMN question_batches.topics_requested IS 'Topic ids the batch was asked to cover';
COMMENT ON COLUMN question_batches.difficulty_distribution IS 'Requested counts by difficulty, e.g. {"easy": 5, "medium": 10, "hard": 5}';
COMMENT ON COLUMN question_batches.status IS 'pending | submitted | running | completed | failed | cancelled';
COMMENT ON COLUMN question_batches.total_generated IS 'Questions generated and stored';
COMMENT ON COLUMN question_batches.total_failed IS 'Requests that failed generation or validation';
COMMENT ON COLUMN question_batches.total_tokens IS 'Tokens used by the whole batch';
COMMENT ON COLUMN question_batches.total_cost_usd IS 'Cost of the whole batch in US dollars';
COMMENT ON COLUMN question_batches.created_at IS 'When the batch was requested';
COMMENT ON COLUMN question_batches.started_at IS 'When the provider started working on it';
COMMENT ON COLUMN question_batches.completed_at IS 'When results were collected';

-- ---------------------------------------------------------------- questions
CREATE TABLE questions (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  topic_id uuid,
  source_material_id uuid,
  batch_id uuid,
  batch_custom_id text,
  prompt_latex text NOT NULL CHECK (length(btrim(prompt_latex)) BETWEEN 1 AND 20000),
  prompt_text text NOT NULL DEFAULT '',
  answer_type text NOT NULL CHECK (answer_type IN ('number', 'expression', 'equation', 'inequality', 'set', 'list', 'interval', 'multiple_choice', 'text')),
  answer_spec jsonb NOT NULL CHECK (jsonb_typeof(answer_spec) = 'object'),
  hints_json jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(hints_json) = 'array'),
  solution_latex text,
  difficulty smallint NOT NULL DEFAULT 3 CHECK (difficulty BETWEEN 1 AND 5),
  tags_json jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(tags_json) = 'array'),
  curriculum_json jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(curriculum_json) = 'object'),
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'archived')),
  origin text NOT NULL DEFAULT 'manual' CHECK (origin IN ('manual', 'ai_generated', 'imported')),
  quality_score numeric(4, 3) CHECK (quality_score BETWEEN 0 AND 1),
  generation_metadata jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(generation_metadata) = 'object'),
  version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  times_attempted integer NOT NULL DEFAULT 0 CHECK (times_attempted >= 0),
  times_correct integer NOT NULL DEFAULT 0 CHECK (times_correct BETWEEN 0 AND times_attempted),
  times_timed integer NOT NULL DEFAULT 0 CHECK (times_timed BETWEEN 0 AND times_attempted),
  time_spent_total_seconds bigint NOT NULL DEFAULT 0 CHECK (time_spent_total_seconds >= 0),
  avg_time_seconds numeric(12, 2) GENERATED ALWAYS AS (
    CASE WHEN times_timed > 0 THEN round(time_spent_total_seconds::numeric / times_timed, 2) END
  ) STORED,
  search_tsv tsvector GENERATED ALWAYS AS (
    to_tsvector('simple'::regconfig, prompt_text || ' ' || coalesce(solution_latex, ''))
  ) STORED,
  created_by uuid REFERENCES users(id) ON DELETE SET NULL,
  updated_by uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, topic_id) REFERENCES topics(workspace_id, id) ON DELETE SET NULL (topic_id),
  FOREIGN KEY (workspace_id, source_material_id) REFERENCES source_materials(workspace_id, id) ON DELETE SET NULL (source_material_id),
  FOREIGN KEY (workspace_id, batch_id) REFERENCES question_batches(workspace_id, id) ON DELETE SET NULL (batch_id),
  CHECK (origin = 'ai_generated' OR batch_id IS NULL)
);
CREATE INDEX idx_questions_topic ON questions(workspace_id, topic_id);
CREATE INDEX idx_questions_source_material ON questions(workspace_id, source_material_id);
CREATE INDEX idx_questions_batch ON questions(workspace_id, batch_id);
CREATE INDEX idx_questions_created_by ON questions(created_by);
CREATE INDEX idx_questions_updated_by ON questions(updated_by);
CREATE INDEX idx_questions_filters ON questions(workspace_id, status, origin, difficulty) WHERE status = 'active';
CREATE INDEX idx_questions_stats ON questions(times_attempted, times_correct) WHERE times_attempted > 0;
CREATE INDEX idx_questions_generation ON questions USING gin (generation_metadata);
CREATE INDEX idx_questions_tags ON questions USING gin (tags_json jsonb_path_ops);
CREATE INDEX idx_questions_search ON questions USING gin (search_tsv);
COMMENT ON TABLE questions IS 'Core question bank with LaTeX support and AI generation; only active questions reach students';
COMMENT ON COLUMN questions.workspace_id IS 'The workspace';
COMMENT ON COLUMN questions.id IS 'Question id';
COMMENT ON COLUMN questions.topic_id IS 'Topic the question is filed under';
COMMENT ON COLUMN questions.source_material_id IS 'Material the question was generated from';
COMMENT ON COLUMN questions.batch_id IS 'Bulk generation batch that produced the question (AI-generated only)';
COMMENT ON COLUMN questions.batch_custom_id IS 'The request''s custom_id inside the provider batch, to match results to requests';
COMMENT ON COLUMN questions.prompt_latex IS 'The question as LaTeX-in-Markdown';
COMMENT ON COLUMN questions.prompt_text IS 'Plain-text rendering of the prompt, for full-text search';
COMMENT ON COLUMN questions.answer_type IS 'number | expression | equation | inequality | set | list | interval | multiple_choice | text';
COMMENT ON COLUMN questions.answer_spec IS 'What a correct answer is, by answer_type (AnswerSpec, see docs/jsonb-contracts.md)';
COMMENT ON COLUMN questions.hints_json IS 'Hints in the order they are revealed (array of LaTeX strings)';
COMMENT ON COLUMN questions.solution_latex IS 'Worked solution';
COMMENT ON COLUMN questions.difficulty IS 'Difficulty 1 (easiest) to 5';
COMMENT ON COLUMN questions.tags_json IS 'Free tags (array of strings)';
COMMENT ON COLUMN questions.curriculum_json IS 'Curriculum alignment: codes, syllabus references';
COMMENT ON COLUMN questions.status IS 'draft -> active -> archived; only active questions are served to students';
COMMENT ON COLUMN questions.origin IS 'manual | ai_generated | imported';
COMMENT ON COLUMN questions.quality_score IS 'Quality estimate 0..1 (AI self-check or tutor review)';
COMMENT ON COLUMN questions.generation_metadata IS 'AI generation context, cost tracking, and quality metrics (QuestionGenerationMetadata, see docs/jsonb-contracts.md)';
COMMENT ON COLUMN questions.version IS 'Content version, bumped by a trigger on every content edit; attempts record the version they saw';
COMMENT ON COLUMN questions.times_attempted IS 'Attempts recorded on the question (trigger-maintained from attempts)';
COMMENT ON COLUMN questions.times_correct IS 'Correct attempts (trigger-maintained from attempts)';
COMMENT ON COLUMN questions.times_timed IS 'Attempts that reported a time spent (trigger-maintained from attempts)';
COMMENT ON COLUMN questions.time_spent_total_seconds IS 'Sum of time spent over timed attempts (trigger-maintained from attempts)';
COMMENT ON COLUMN questions.avg_time_seconds IS 'Average time spent per timed attempt; generated from the two columns above, so it is exact';
COMMENT ON COLUMN questions.search_tsv IS 'Full-text search vector over prompt and solution (generated)';
COMMENT ON COLUMN questions.created_by IS 'User who created the question';
COMMENT ON COLUMN questions.updated_by IS 'User who last edited the question';
COMMENT ON COLUMN questions.created_at IS 'When the row was created';
COMMENT ON COLUMN questions.updated_at IS 'When the row was last changed (trigger-maintained)';

-- ---------------------------------------------------------------- question_programs / question_grade_levels
CREATE TABLE question_programs (
  workspace_id uuid NOT NULL,
  question_id uuid NOT NULL,
  program_id uuid NOT NULL REFERENCES study_programs(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, question_id, program_id),
  FOREIGN KEY (workspace_id, question_id) REFERENCES questions(workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX idx_question_programs_program ON question_programs(program_id, workspace_id);
COMMENT ON TABLE question_programs IS 'Which study programs a question belongs to (the only link between questions and programs)';
COMMENT ON COLUMN question_programs.workspace_id IS 'The workspace';
COMMENT ON COLUMN question_programs.question_id IS 'The question';
COMMENT ON COLUMN question_programs.program_id IS 'The study program';
COMMENT ON COLUMN question_programs.created_at IS 'When the link was made';

CREATE TABLE question_grade_levels (
  workspace_id uuid NOT NULL,
  question_id uuid NOT NULL,
  grade_level_id uuid NOT NULL REFERENCES grade_levels(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, question_id, grade_level_id),
  FOREIGN KEY (workspace_id, question_id) REFERENCES questions(workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX idx_question_grade_levels_grade ON question_grade_levels(grade_level_id, workspace_id);
COMMENT ON TABLE question_grade_levels IS 'Which grade levels a question suits (the only link between questions and grades)';
COMMENT ON COLUMN question_grade_levels.workspace_id IS 'The workspace';
COMMENT ON COLUMN question_grade_levels.question_id IS 'The question';
COMMENT ON COLUMN question_grade_levels.grade_level_id IS 'The grade level';
COMMENT ON COLUMN question_grade_levels.created_at IS 'When the link was made';

-- ---------------------------------------------------------------- question_embeddings
CREATE TABLE question_embeddings (
  workspace_id uuid NOT NULL,
  question_id uuid NOT NULL,
  embedding_model text NOT NULL,
  model_version text,
  text_hash text NOT NULL CHECK (text_hash ~ '^[0-9a-f]{64}$'),
  embedding extensions.vector(384) NOT NULL,
  generated_at timestamptz NOT NULL DEFAULT now(),
  generation_time_ms integer CHECK (generation_time_ms >= 0),
  PRIMARY KEY (workspace_id, question_id, embedding_model),
  FOREIGN KEY (workspace_id, question_id) REFERENCES questions(workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX idx_question_embeddings_hnsw ON question_embeddings USING hnsw (embedding extensions.vector_cosine_ops);
COMMENT ON TABLE question_embeddings IS 'Vector embeddings of questions for similarity search and duplicate detection (one per question and model)';
COMMENT ON COLUMN question_embeddings.workspace_id IS 'The workspace';
COMMENT ON COLUMN question_embeddings.question_id IS 'The question embedded';
COMMENT ON COLUMN question_embeddings.embedding_model IS 'Embedding model name, e.g. all-MiniLM-L6-v2 or text-embedding-3-small';
COMMENT ON COLUMN question_embeddings.model_version IS 'Model version, so embeddings can be regenerated when the model changes';
COMMENT ON COLUMN question_embeddings.text_hash IS 'SHA-256 (hex) of the text embedded; a different hash means the embedding is stale';
COMMENT ON COLUMN question_embeddings.embedding IS '384-dimension embedding (providers with larger models are asked for 384 dimensions)';
COMMENT ON COLUMN question_embeddings.generated_at IS 'When the embedding was computed';
COMMENT ON COLUMN question_embeddings.generation_time_ms IS 'How long computing it took';

-- ---------------------------------------------------------------- question_history
CREATE TABLE question_history (
  workspace_id uuid NOT NULL,
  id bigint GENERATED ALWAYS AS IDENTITY,
  question_id uuid NOT NULL,
  question_version integer NOT NULL,
  changed_by uuid REFERENCES users(id) ON DELETE SET NULL,
  change_type text NOT NULL CHECK (change_type IN ('created', 'edited', 'status_changed', 'difficulty_changed')),
  old_values jsonb,
  new_values jsonb NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, question_id) REFERENCES questions(workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX idx_question_history_question ON question_history(workspace_id, question_id, changed_at);
CREATE INDEX idx_question_history_changed_by ON question_history(changed_by);
CREATE INDEX idx_question_history_changed_at ON question_history(changed_at);
COMMENT ON TABLE question_history IS 'Every change to a question''s content, written by a trigger';
COMMENT ON COLUMN question_history.workspace_id IS 'The workspace';
COMMENT ON COLUMN question_history.id IS 'History entry id, increasing';
COMMENT ON COLUMN question_history.question_id IS 'The question changed';
COMMENT ON COLUMN question_history.question_version IS 'The question''s version after the change';
COMMENT ON COLUMN question_history.changed_by IS 'The acting user';
COMMENT ON COLUMN question_history.change_type IS 'created | edited | status_changed | difficulty_changed';
COMMENT ON COLUMN question_history.old_values IS 'Changed fields before the change (NULL for created)';
COMMENT ON COLUMN question_history.new_values IS 'Changed fields after the change (all content fields for created)';
COMMENT ON COLUMN question_history.changed_at IS 'When the change happened';

-- ---------------------------------------------------------------- assignments / assignment_items
CREATE TABLE assignments (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  student_profile_id uuid NOT NULL,
  title text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 300),
  description text,
  status text NOT NULL DEFAULT 'assigned' CHECK (status IN ('draft', 'assigned', 'in_progress', 'completed', 'archived')),
  settings_json jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings_json) = 'object'),
  rule_json jsonb CHECK (rule_json IS NULL OR jsonb_typeof(rule_json) = 'object'),
  due_at timestamptz,
  total_items integer NOT NULL DEFAULT 0 CHECK (total_items >= 0),
  completed_count integer NOT NULL DEFAULT 0 CHECK (completed_count BETWEEN 0 AND total_items),
  total_score numeric(10, 4) NOT NULL DEFAULT 0 CHECK (total_score >= 0),
  max_score numeric(10, 4) NOT NULL DEFAULT 0 CHECK (max_score >= 0),
  started_at timestamptz,
  completed_at timestamptz,
  created_by uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, student_profile_id) REFERENCES student_profiles(workspace_id, id) ON DELETE CASCADE,
  CHECK ((status = 'completed') = (completed_at IS NOT NULL))
);
CREATE INDEX idx_assignments_student ON assignments(workspace_id, student_profile_id, status);
CREATE INDEX idx_assignments_due ON assignments(workspace_id, due_at) WHERE status IN ('assigned', 'in_progress');
CREATE INDEX idx_assignments_created_by ON assignments(created_by);
COMMENT ON TABLE assignments IS 'A set of questions given to one student; progress (counts, score, status) is derived from attempts by triggers';
COMMENT ON COLUMN assignments.workspace_id IS 'The workspace';
COMMENT ON COLUMN assignments.id IS 'Assignment id';
COMMENT ON COLUMN assignments.student_profile_id IS 'The student it is assigned to';
COMMENT ON COLUMN assignments.title IS 'Title shown to the student';
COMMENT ON COLUMN assignments.description IS 'Instructions';
COMMENT ON COLUMN assignments.status IS 'draft | assigned | in_progress | completed | archived; in_progress and completed are set from attempts';
COMMENT ON COLUMN assignments.settings_json IS 'Assignment-level settings (WorkspaceSettings keys); override student and workspace settings';
COMMENT ON COLUMN assignments.rule_json IS 'The rule the questions were chosen by (topic, difficulty range, count, exclusions), NULL when hand-picked';
COMMENT ON COLUMN assignments.due_at IS 'Due date';
COMMENT ON COLUMN assignments.total_items IS 'Number of assignment items (trigger-maintained)';
COMMENT ON COLUMN assignments.completed_count IS 'Items with at least one attempt in this assignment (trigger-maintained)';
COMMENT ON COLUMN assignments.total_score IS 'Sum over items of the best attempt score times the item''s points (trigger-maintained)';
COMMENT ON COLUMN assignments.max_score IS 'Sum of item points (trigger-maintained)';
COMMENT ON COLUMN assignments.started_at IS 'Time of the first attempt (trigger-maintained)';
COMMENT ON COLUMN assignments.completed_at IS 'When every item had an attempt (trigger-maintained)';
COMMENT ON COLUMN assignments.created_by IS 'Tutor who created it';
COMMENT ON COLUMN assignments.created_at IS 'When the row was created';
COMMENT ON COLUMN assignments.updated_at IS 'When the row was last changed (trigger-maintained)';

CREATE TABLE assignment_items (
  workspace_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  assignment_id uuid NOT NULL,
  question_id uuid NOT NULL,
  position integer NOT NULL CHECK (position >= 0),
  points numeric(8, 4) NOT NULL DEFAULT 1 CHECK (points > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, assignment_id, question_id),
  UNIQUE (workspace_id, assignment_id, position) DEFERRABLE INITIALLY IMMEDIATE,
  FOREIGN KEY (workspace_id, assignment_id) REFERENCES assignments(workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, question_id) REFERENCES questions(workspace_id, id) ON DELETE RESTRICT
);
CREATE INDEX idx_assignment_items_question ON assignment_items(workspace_id, question_id);
COMMENT ON TABLE assignment_items IS 'The questions of an assignment, in order';
COMMENT ON COLUMN assignment_items.workspace_id IS 'The workspace';
COMMENT ON COLUMN assignment_items.id IS 'Item id';
COMMENT ON COLUMN assignment_items.assignment_id IS 'The assignment';
COMMENT ON COLUMN assignment_items.question_id IS 'The question, at most once per assignment';
COMMENT ON COLUMN assignment_items.position IS 'Order within the assignment, from 0';
COMMENT ON COLUMN assignment_items.points IS 'Weight of the item in the assignment score';
COMMENT ON COLUMN assignment_items.created_at IS 'When the item was added';

-- ---------------------------------------------------------------- attempts
CREATE TABLE attempts (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  student_user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  question_id uuid NOT NULL,
  assignment_id uuid,
  client_request_id text CHECK (length(client_request_id) BETWEEN 1 AND 100),
  answer_raw text NOT NULL CHECK (length(answer_raw) <= 10000),
  answer_parsed jsonb,
  is_correct boolean,
  score numeric(5, 4) CHECK (score BETWEEN 0 AND 1),
  feedback_json jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(feedback_json) = 'object'),
  error_taxonomy_json jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(error_taxonomy_json) = 'array'),
  time_spent_seconds integer CHECK (time_spent_seconds BETWEEN 0 AND 86400),
  hints_viewed integer NOT NULL DEFAULT 0 CHECK (hints_viewed >= 0),
  context_json jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(context_json) = 'object'),
  submitted_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, student_user_id, client_request_id),
  FOREIGN KEY (workspace_id, question_id) REFERENCES questions(workspace_id, id) ON DELETE CASCADE,
  -- An assignment attempt must answer one of the assignment's items.
  FOREIGN KEY (workspace_id, assignment_id, question_id) REFERENCES assignment_items(workspace_id, assignment_id, question_id) ON DELETE SET NULL (assignment_id),
  CHECK (is_correct IS NULL OR score IS NOT NULL)
);
CREATE INDEX idx_attempts_student_date ON attempts(student_user_id, submitted_at DESC);
CREATE INDEX idx_attempts_analytics ON attempts(student_user_id, question_id, is_correct, submitted_at) WHERE is_correct IS NOT NULL;
CREATE INDEX idx_attempts_correct ON attempts(is_correct, submitted_at) WHERE is_correct IS NOT NULL;
CREATE INDEX idx_attempts_context ON attempts USING gin (context_json);
CREATE INDEX idx_attempts_question ON attempts(workspace_id, question_id, submitted_at);
CREATE INDEX idx_attempts_assignment ON attempts(workspace_id, assignment_id, question_id) WHERE assignment_id IS NOT NULL;
CREATE INDEX idx_attempts_workspace_date ON attempts(workspace_id, submitted_at);
COMMENT ON TABLE attempts IS 'Student answers and performance tracking: one row per submitted answer, append-only in normal use';
COMMENT ON COLUMN attempts.workspace_id IS 'The workspace';
COMMENT ON COLUMN attempts.id IS 'Attempt id';
COMMENT ON COLUMN attempts.student_user_id IS 'The student who answered';
COMMENT ON COLUMN attempts.question_id IS 'The question answered';
COMMENT ON COLUMN attempts.assignment_id IS 'The assignment answered in, NULL for free practice and review; must be one of the assignment''s items';
COMMENT ON COLUMN attempts.client_request_id IS 'Client-chosen idempotency key: a retried submission with the same key is recorded once';
COMMENT ON COLUMN attempts.answer_raw IS 'The answer exactly as typed';
COMMENT ON COLUMN attempts.answer_parsed IS 'The answer as the checker understood it';
COMMENT ON COLUMN attempts.is_correct IS 'Verdict; NULL when not (yet) graded';
COMMENT ON COLUMN attempts.score IS 'Score 0..1 (partial credit); required when graded';
COMMENT ON COLUMN attempts.feedback_json IS 'Feedback shown to the student';
COMMENT ON COLUMN attempts.error_taxonomy_json IS 'Answer notes: stable codes for why the verdict was reached (e.g. sign_error)';
COMMENT ON COLUMN attempts.time_spent_seconds IS 'Seconds spent on the question, as reported by the client';
COMMENT ON COLUMN attempts.hints_viewed IS 'Hints revealed before submitting';
COMMENT ON COLUMN attempts.context_json IS 'Attempt context for analytics: device, input method, hints usage (AttemptContext, see docs/jsonb-contracts.md)';
COMMENT ON COLUMN attempts.submitted_at IS 'When the answer was submitted';
COMMENT ON COLUMN attempts.created_at IS 'When the row was created';

-- ---------------------------------------------------------------- spaced_repetition
CREATE TABLE spaced_repetition (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  student_user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  question_id uuid NOT NULL,
  algorithm text NOT NULL DEFAULT 'sm2' CHECK (algorithm IN ('sm2', 'fsrs')),
  ease_factor numeric(5, 3) NOT NULL DEFAULT 2.5 CHECK (ease_factor >= 1.3),
  interval_days integer NOT NULL DEFAULT 0 CHECK (interval_days >= 0),
  repetitions integer NOT NULL DEFAULT 0 CHECK (repetitions >= 0),
  lapses integer NOT NULL DEFAULT 0 CHECK (lapses >= 0),
  stability double precision CHECK (stability > 0),
  difficulty double precision CHECK (difficulty BETWEEN 1 AND 10),
  fsrs_state smallint CHECK (fsrs_state BETWEEN 1 AND 3),
  fsrs_step smallint CHECK (fsrs_step >= 0),
  due_at timestamptz NOT NULL DEFAULT now(),
  last_reviewed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, student_user_id, question_id),
  FOREIGN KEY (workspace_id, question_id) REFERENCES questions(workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX idx_spaced_repetition_due ON spaced_repetition(workspace_id, student_user_id, due_at);
CREATE INDEX idx_spaced_repetition_question ON spaced_repetition(workspace_id, question_id);
CREATE INDEX idx_spaced_repetition_student ON spaced_repetition(student_user_id);
COMMENT ON TABLE spaced_repetition IS 'Review schedule of one question for one student (SM-2 or FSRS state)';
COMMENT ON COLUMN spaced_repetition.workspace_id IS 'The workspace';
COMMENT ON COLUMN spaced_repetition.id IS 'Card id';
COMMENT ON COLUMN spaced_repetition.student_user_id IS 'The student';
COMMENT ON COLUMN spaced_repetition.question_id IS 'The question reviewed';
COMMENT ON COLUMN spaced_repetition.algorithm IS 'sm2 | fsrs: which scheduler owns this card';
COMMENT ON COLUMN spaced_repetition.ease_factor IS 'SM-2 ease factor, starts at 2.5, floor 1.3';
COMMENT ON COLUMN spaced_repetition.interval_days IS 'Current interval in days';
COMMENT ON COLUMN spaced_repetition.repetitions IS 'Successful reviews in a row (SM-2 n)';
COMMENT ON COLUMN spaced_repetition.lapses IS 'Times the card was forgotten';
COMMENT ON COLUMN spaced_repetition.stability IS 'FSRS stability in days';
COMMENT ON COLUMN spaced_repetition.difficulty IS 'FSRS difficulty 1..10';
COMMENT ON COLUMN spaced_repetition.fsrs_state IS 'FSRS state: 1 learning, 2 review, 3 relearning';
COMMENT ON COLUMN spaced_repetition.fsrs_step IS 'FSRS learning or relearning step';
COMMENT ON COLUMN spaced_repetition.due_at IS 'When the card is next due';
COMMENT ON COLUMN spaced_repetition.last_reviewed_at IS 'When it was last reviewed';
COMMENT ON COLUMN spaced_repetition.created_at IS 'When the row was created';
COMMENT ON COLUMN spaced_repetition.updated_at IS 'When the row was last changed (trigger-maintained)';

-- ---------------------------------------------------------------- question_flags
CREATE TABLE question_flags (
  workspace_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  question_id uuid NOT NULL,
  flagged_by uuid REFERENCES users(id) ON DELETE SET NULL,
  attempt_id uuid,
  reason text NOT NULL CONSTRAINT question_flags_reason_check CHECK (reason IN (
    'incorrect_answer', 'unclear_wording', 'typo', 'rendering_problem', 'wrong_topic', 'wrong_difficulty', 'duplicate', 'other')),
  comment text CHECK (length(comment) <= 2000),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'dismissed')),
  resolved_by uuid REFERENCES users(id) ON DELETE SET NULL,
  resolved_at timestamptz,
  resolution_note text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, question_id) REFERENCES questions(workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, attempt_id) REFERENCES attempts(workspace_id, id) ON DELETE SET NULL (attempt_id),
  CHECK ((status = 'open') = (resolved_at IS NULL)),
  CHECK (reason <> 'other' OR coalesce(length(btrim(comment)), 0) > 0)
);
CREATE INDEX idx_question_flags_question ON question_flags(workspace_id, question_id, status);
CREATE INDEX idx_question_flags_analytics ON question_flags(question_id, status, created_at);
CREATE INDEX idx_question_flags_attempt ON question_flags(workspace_id, attempt_id);
CREATE INDEX idx_question_flags_flagged_by ON question_flags(flagged_by);
CREATE INDEX idx_question_flags_resolved_by ON question_flags(resolved_by);
COMMENT ON TABLE question_flags IS 'Student-reported problems with a question, triaged by tutors; reasons are a fixed set (no flag_reasons table)';
COMMENT ON COLUMN question_flags.workspace_id IS 'The workspace';
COMMENT ON COLUMN question_flags.id IS 'Flag id';
COMMENT ON COLUMN question_flags.question_id IS 'The question flagged';
COMMENT ON COLUMN question_flags.flagged_by IS 'Who flagged it';
COMMENT ON COLUMN question_flags.attempt_id IS 'The attempt during which it was flagged, if any';
COMMENT ON COLUMN question_flags.reason IS 'incorrect_answer | unclear_wording | typo | rendering_problem | wrong_topic | wrong_difficulty | duplicate | other (other needs a comment)';
COMMENT ON COLUMN question_flags.comment IS 'What the student says is wrong';
COMMENT ON COLUMN question_flags.status IS 'open -> resolved | dismissed';
COMMENT ON COLUMN question_flags.resolved_by IS 'Tutor who triaged the flag';
COMMENT ON COLUMN question_flags.resolved_at IS 'When it was triaged; set exactly when status is not open';
COMMENT ON COLUMN question_flags.resolution_note IS 'Tutor''s note on the decision';
COMMENT ON COLUMN question_flags.created_at IS 'When the row was created';
COMMENT ON COLUMN question_flags.updated_at IS 'When the row was last changed (trigger-maintained)';

-- ---------------------------------------------------------------- tutor_feedback
CREATE TABLE tutor_feedback (
  workspace_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  attempt_id uuid NOT NULL,
  tutor_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  body text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 10000),
  visible_to_student boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, attempt_id) REFERENCES attempts(workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX idx_tutor_feedback_attempt ON tutor_feedback(workspace_id, attempt_id);
CREATE INDEX idx_tutor_feedback_tutor ON tutor_feedback(tutor_user_id);
COMMENT ON TABLE tutor_feedback IS 'Tutor comments on a student''s attempt, shown to the student with the attempt';
COMMENT ON COLUMN tutor_feedback.workspace_id IS 'The workspace';
COMMENT ON COLUMN tutor_feedback.id IS 'Feedback id';
COMMENT ON COLUMN tutor_feedback.attempt_id IS 'The attempt commented on';
COMMENT ON COLUMN tutor_feedback.tutor_user_id IS 'The tutor who wrote it';
COMMENT ON COLUMN tutor_feedback.body IS 'The comment (Markdown with LaTeX)';
COMMENT ON COLUMN tutor_feedback.visible_to_student IS 'False for a private note the student does not see';
COMMENT ON COLUMN tutor_feedback.created_at IS 'When the row was created';
COMMENT ON COLUMN tutor_feedback.updated_at IS 'When the row was last changed (trigger-maintained)';

-- ---------------------------------------------------------------- sessions (tutoring sessions)
CREATE TABLE sessions (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  tutor_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  student_profile_id uuid NOT NULL,
  title text NOT NULL DEFAULT 'Tutoring session' CHECK (length(btrim(title)) BETWEEN 1 AND 300),
  status text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'completed', 'cancelled', 'no_show')),
  scheduled_start timestamptz NOT NULL,
  scheduled_end timestamptz NOT NULL,
  location text,
  meeting_url text,
  recurrence_rule text,
  calendar_event_id text,
  calendar_sync_status text NOT NULL DEFAULT 'not_synced' CHECK (calendar_sync_status IN ('not_synced', 'pending', 'synced', 'failed')),
  change_request_status text CHECK (change_request_status IN ('pending', 'accepted', 'declined')),
  change_request_json jsonb CHECK (change_request_json IS NULL OR jsonb_typeof(change_request_json) = 'object'),
  actual_start timestamptz,
  actual_end timestamptz,
  topics_covered uuid[] NOT NULL DEFAULT '{}',
  questions_reviewed uuid[] NOT NULL DEFAULT '{}',
  session_notes text,
  session_metadata jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(session_metadata) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, student_profile_id) REFERENCES student_profiles(workspace_id, id) ON DELETE CASCADE,
  CHECK (scheduled_end > scheduled_start),
  CHECK (actual_end IS NULL OR (actual_start IS NOT NULL AND actual_end >= actual_start))
);
CREATE INDEX idx_sessions_student ON sessions(workspace_id, student_profile_id, scheduled_start);
CREATE INDEX idx_sessions_schedule ON sessions(workspace_id, scheduled_start);
CREATE INDEX idx_sessions_tutor ON sessions(tutor_user_id, scheduled_start);
COMMENT ON TABLE sessions IS 'Tutoring sessions: schedule, calendar sync, change requests and what actually happened';
COMMENT ON COLUMN sessions.workspace_id IS 'The workspace';
COMMENT ON COLUMN sessions.id IS 'Session id';
COMMENT ON COLUMN sessions.tutor_user_id IS 'The tutor';
COMMENT ON COLUMN sessions.student_profile_id IS 'The student';
COMMENT ON COLUMN sessions.title IS 'Title shown in calendars';
COMMENT ON COLUMN sessions.status IS 'scheduled | completed | cancelled | no_show';
COMMENT ON COLUMN sessions.scheduled_start IS 'Planned start';
COMMENT ON COLUMN sessions.scheduled_end IS 'Planned end, after the start';
COMMENT ON COLUMN sessions.location IS 'Where the session takes place';
COMMENT ON COLUMN sessions.meeting_url IS 'Video call link';
COMMENT ON COLUMN sessions.recurrence_rule IS 'iCalendar RRULE for a recurring series';
COMMENT ON COLUMN sessions.calendar_event_id IS 'Event id in the tutor''s external calendar';
COMMENT ON COLUMN sessions.calendar_sync_status IS 'not_synced | pending | synced | failed';
COMMENT ON COLUMN sessions.change_request_status IS 'A student''s request to move or cancel: pending | accepted | declined';
COMMENT ON COLUMN sessions.change_request_json IS 'The requested change (proposed times, reason)';
COMMENT ON COLUMN sessions.actual_start IS 'When the session really started';
COMMENT ON COLUMN sessions.actual_end IS 'When the session really ended';
COMMENT ON COLUMN sessions.topics_covered IS 'Topic ids covered during the session';
COMMENT ON COLUMN sessions.questions_reviewed IS 'Question ids reviewed during the session';
COMMENT ON COLUMN sessions.session_notes IS 'Session notes / summary';
COMMENT ON COLUMN sessions.session_metadata IS 'Session outcome tracking (SessionMetadata, see docs/jsonb-contracts.md)';
COMMENT ON COLUMN sessions.created_at IS 'When the row was created';
COMMENT ON COLUMN sessions.updated_at IS 'When the row was last changed (trigger-maintained)';

-- ---------------------------------------------------------------- oauth_connections
CREATE TABLE oauth_connections (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  provider text NOT NULL CHECK (provider IN ('google', 'microsoft')),
  provider_account_email text,
  scopes text[] NOT NULL DEFAULT '{}',
  access_token_encrypted bytea,
  refresh_token_encrypted bytea,
  token_expires_at timestamptz,
  key_version smallint NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, user_id, provider)
);
CREATE INDEX idx_oauth_connections_user ON oauth_connections(user_id);
COMMENT ON TABLE oauth_connections IS 'OAuth connections to external calendars; tokens are encrypted by the application before they reach the database';
COMMENT ON COLUMN oauth_connections.workspace_id IS 'The workspace';
COMMENT ON COLUMN oauth_connections.id IS 'Connection id';
COMMENT ON COLUMN oauth_connections.user_id IS 'The user whose account is connected';
COMMENT ON COLUMN oauth_connections.provider IS 'google | microsoft';
COMMENT ON COLUMN oauth_connections.provider_account_email IS 'Account email at the provider';
COMMENT ON COLUMN oauth_connections.scopes IS 'Granted OAuth scopes';
COMMENT ON COLUMN oauth_connections.access_token_encrypted IS 'Encrypted access token (never plaintext)';
COMMENT ON COLUMN oauth_connections.refresh_token_encrypted IS 'Encrypted refresh token (never plaintext)';
COMMENT ON COLUMN oauth_connections.token_expires_at IS 'When the access token expires';
COMMENT ON COLUMN oauth_connections.key_version IS 'Which encryption key encrypted the tokens (for key rotation)';
COMMENT ON COLUMN oauth_connections.created_at IS 'When the row was created';
COMMENT ON COLUMN oauth_connections.updated_at IS 'When the row was last changed (trigger-maintained)';

-- ---------------------------------------------------------------- pdf_exports
CREATE TABLE pdf_exports (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN ('worksheet', 'assignment', 'progress_report')),
  assignment_id uuid,
  student_profile_id uuid,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'failed')),
  options_json jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(options_json) = 'object'),
  storage_path text,
  byte_size bigint CHECK (byte_size >= 0),
  page_count integer CHECK (page_count >= 0),
  error_text text,
  created_by uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, assignment_id) REFERENCES assignments(workspace_id, id) ON DELETE SET NULL (assignment_id),
  FOREIGN KEY (workspace_id, student_profile_id) REFERENCES student_profiles(workspace_id, id) ON DELETE CASCADE,
  CHECK ((status = 'ready') = (storage_path IS NOT NULL))
);
CREATE INDEX idx_pdf_exports_assignment ON pdf_exports(workspace_id, assignment_id);
CREATE INDEX idx_pdf_exports_student ON pdf_exports(workspace_id, student_profile_id);
CREATE INDEX idx_pdf_exports_created_by ON pdf_exports(created_by);
COMMENT ON TABLE pdf_exports IS 'Generated PDF worksheets and reports';
COMMENT ON COLUMN pdf_exports.workspace_id IS 'The workspace';
COMMENT ON COLUMN pdf_exports.id IS 'Export id';
COMMENT ON COLUMN pdf_exports.kind IS 'worksheet | assignment | progress_report';
COMMENT ON COLUMN pdf_exports.assignment_id IS 'Assignment exported, if any';
COMMENT ON COLUMN pdf_exports.student_profile_id IS 'Student the export is for, if any';
COMMENT ON COLUMN pdf_exports.status IS 'pending | ready | failed';
COMMENT ON COLUMN pdf_exports.options_json IS 'Rendering options (answer key, spacing, paper size)';
COMMENT ON COLUMN pdf_exports.storage_path IS 'Where the PDF is stored; set exactly when ready';
COMMENT ON COLUMN pdf_exports.byte_size IS 'Size of the PDF';
COMMENT ON COLUMN pdf_exports.page_count IS 'Pages in the PDF';
COMMENT ON COLUMN pdf_exports.error_text IS 'Why rendering failed';
COMMENT ON COLUMN pdf_exports.created_by IS 'Who requested it';
COMMENT ON COLUMN pdf_exports.created_at IS 'When it was requested';
COMMENT ON COLUMN pdf_exports.completed_at IS 'When it was ready or failed';

-- ---------------------------------------------------------------- ai_usage_log
CREATE TABLE ai_usage_log (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  job_id uuid,
  operation_type text NOT NULL CHECK (operation_type ~ '^[a-z][a-z0-9_]{2,63}$'),
  model text NOT NULL,
  tokens_input integer CHECK (tokens_input >= 0),
  tokens_output integer CHECK (tokens_output >= 0),
  tokens_total integer CHECK (tokens_total >= 0),
  cost_usd numeric(10, 6) CHECK (cost_usd >= 0),
  duration_ms integer CHECK (duration_ms >= 0),
  success boolean NOT NULL DEFAULT true,
  error_message text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(metadata) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, job_id) REFERENCES jobs(workspace_id, id) ON DELETE SET NULL (job_id),
  CHECK (success OR error_message IS NOT NULL)
);
CREATE INDEX idx_ai_usage_workspace ON ai_usage_log(workspace_id, created_at);
CREATE INDEX idx_ai_usage_operation ON ai_usage_log(operation_type, created_at);
CREATE INDEX idx_ai_usage_job ON ai_usage_log(workspace_id, job_id);
CREATE INDEX idx_ai_usage_user ON ai_usage_log(user_id);
COMMENT ON TABLE ai_usage_log IS 'Every call to an AI provider: model, tokens, cost, duration, outcome';
COMMENT ON COLUMN ai_usage_log.workspace_id IS 'The workspace billed';
COMMENT ON COLUMN ai_usage_log.id IS 'Log entry id';
COMMENT ON COLUMN ai_usage_log.user_id IS 'User whose action caused the call';
COMMENT ON COLUMN ai_usage_log.job_id IS 'Job that made the call, if any';
COMMENT ON COLUMN ai_usage_log.operation_type IS 'generate_question | generate_embedding | ... (lower_snake_case)';
COMMENT ON COLUMN ai_usage_log.model IS 'Model name as sent to the provider';
COMMENT ON COLUMN ai_usage_log.tokens_input IS 'Prompt tokens';
COMMENT ON COLUMN ai_usage_log.tokens_output IS 'Completion tokens';
COMMENT ON COLUMN ai_usage_log.tokens_total IS 'Total tokens as reported by the provider';
COMMENT ON COLUMN ai_usage_log.cost_usd IS 'Cost in US dollars from offline price data';
COMMENT ON COLUMN ai_usage_log.duration_ms IS 'Wall time of the call';
COMMENT ON COLUMN ai_usage_log.success IS 'Whether the call succeeded';
COMMENT ON COLUMN ai_usage_log.error_message IS 'Error of a failed call (required when success is false)';
COMMENT ON COLUMN ai_usage_log.metadata IS 'Request details (prompt version, temperature, batch)';
COMMENT ON COLUMN ai_usage_log.created_at IS 'When the call was made';

-- ---------------------------------------------------------------- student_progress_snapshots
CREATE TABLE student_progress_snapshots (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  student_user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  snapshot_date date NOT NULL,
  total_questions_attempted integer NOT NULL DEFAULT 0 CHECK (total_questions_attempted >= 0),
  total_correct integer NOT NULL DEFAULT 0 CHECK (total_correct >= 0),
  accuracy_rate numeric(5, 4) CHECK (accuracy_rate BETWEEN 0 AND 1),
  topics_mastered uuid[] NOT NULL DEFAULT '{}',
  topics_struggling uuid[] NOT NULL DEFAULT '{}',
  cards_due integer NOT NULL DEFAULT 0 CHECK (cards_due >= 0),
  cards_reviewed integer NOT NULL DEFAULT 0 CHECK (cards_reviewed >= 0),
  average_ease numeric(5, 3),
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(metadata) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, student_user_id, snapshot_date)
);
CREATE INDEX idx_student_progress_snapshots_student ON student_progress_snapshots(student_user_id, snapshot_date);
COMMENT ON TABLE student_progress_snapshots IS 'Weekly/monthly snapshots of each student''s progress for time-series analytics';
COMMENT ON COLUMN student_progress_snapshots.workspace_id IS 'The workspace';
COMMENT ON COLUMN student_progress_snapshots.id IS 'Snapshot id';
COMMENT ON COLUMN student_progress_snapshots.student_user_id IS 'The student';
COMMENT ON COLUMN student_progress_snapshots.snapshot_date IS 'Date the snapshot describes, one per student and date';
COMMENT ON COLUMN student_progress_snapshots.total_questions_attempted IS 'Attempts up to the date';
COMMENT ON COLUMN student_progress_snapshots.total_correct IS 'Correct attempts up to the date';
COMMENT ON COLUMN student_progress_snapshots.accuracy_rate IS 'total_correct / total_questions_attempted';
COMMENT ON COLUMN student_progress_snapshots.topics_mastered IS 'Topic ids at or above their mastery threshold';
COMMENT ON COLUMN student_progress_snapshots.topics_struggling IS 'Topic ids well below their threshold';
COMMENT ON COLUMN student_progress_snapshots.cards_due IS 'Review cards due on the date';
COMMENT ON COLUMN student_progress_snapshots.cards_reviewed IS 'Review cards reviewed in the period';
COMMENT ON COLUMN student_progress_snapshots.average_ease IS 'Mean SM-2 ease factor of the student''s cards';
COMMENT ON COLUMN student_progress_snapshots.metadata IS 'Further figures of the snapshot';
COMMENT ON COLUMN student_progress_snapshots.created_at IS 'When the snapshot was taken';

-- ---------------------------------------------------------------- audit_log
-- No foreign key to workspaces on purpose: audit rows outlive the workspace they describe (7-year retention).
CREATE TABLE audit_log (
  workspace_id uuid NOT NULL,
  id bigint GENERATED ALWAYS AS IDENTITY,
  actor_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  action text NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
  entity_type text NOT NULL,
  entity_id text NOT NULL,
  before_json jsonb,
  after_json jsonb,
  changed_fields text[],
  transaction_id bigint NOT NULL DEFAULT txid_current(),
  occurred_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  CHECK ((action = 'insert') = (before_json IS NULL)),
  CHECK ((action = 'delete') = (after_json IS NULL))
);
CREATE INDEX idx_audit_log_workspace_time ON audit_log(workspace_id, occurred_at DESC);
CREATE INDEX idx_audit_log_entity ON audit_log(workspace_id, entity_type, entity_id, occurred_at);
CREATE INDEX idx_audit_log_actor ON audit_log(actor_user_id);
CREATE INDEX idx_audit_log_occurred ON audit_log(occurred_at);
COMMENT ON TABLE audit_log IS 'Who changed what: one row per insert, update or delete of a core table, written by triggers';
COMMENT ON COLUMN audit_log.workspace_id IS 'The workspace the changed row belongs to';
COMMENT ON COLUMN audit_log.id IS 'Entry id, increasing';
COMMENT ON COLUMN audit_log.actor_user_id IS 'The acting user (app.user_id), NULL for system changes';
COMMENT ON COLUMN audit_log.action IS 'insert | update | delete';
COMMENT ON COLUMN audit_log.entity_type IS 'Table name of the changed row';
COMMENT ON COLUMN audit_log.entity_id IS 'Primary key of the changed row (without workspace_id), as text';
COMMENT ON COLUMN audit_log.before_json IS 'Row before the change (NULL for insert); secrets redacted';
COMMENT ON COLUMN audit_log.after_json IS 'Row after the change (NULL for delete); secrets redacted';
COMMENT ON COLUMN audit_log.changed_fields IS 'Columns an update changed';
COMMENT ON COLUMN audit_log.transaction_id IS 'Database transaction id, to group the changes of one request';
COMMENT ON COLUMN audit_log.occurred_at IS 'When the change happened (transaction time)';

-- updated_at maintenance for every table that has the column
DO $$
DECLARE t text;
BEGIN
  FOR t IN SELECT c.table_name FROM information_schema.columns c
           JOIN information_schema.tables tb USING (table_schema, table_name)
           WHERE c.table_schema = 'public' AND c.column_name = 'updated_at' AND tb.table_type = 'BASE TABLE'
             AND c.table_name NOT IN ('users', 'study_programs', 'grade_levels')
  LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at()', t || '_touch_updated_at', t);
  END LOOP;
END
$$;
