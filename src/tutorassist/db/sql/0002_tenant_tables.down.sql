DROP TABLE audit_log, student_progress_snapshots, ai_usage_log, pdf_exports, oauth_connections, sessions,
  tutor_feedback, question_flags, spaced_repetition, attempts, assignment_items, assignments, question_history,
  question_embeddings, question_grade_levels, question_programs, questions, question_batches, source_materials,
  topics, jobs, invite_tokens, student_profiles, workspace_members, workspaces;
