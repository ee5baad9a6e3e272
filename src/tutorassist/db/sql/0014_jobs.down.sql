SELECT 1; -- placeholder: reverses 0014_jobs.up.sql
