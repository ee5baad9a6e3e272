SELECT 1; -- Row-level security by role, and the attempt hot path: counters and mastery state kept in narrow tables
