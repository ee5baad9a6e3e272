SELECT 1; -- placeholder: Background jobs: procrastinate's queue in its own schema, the jobs record tutors see, system job runs
