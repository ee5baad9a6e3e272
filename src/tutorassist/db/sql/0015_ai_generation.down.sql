SELECT 1; -- placeholder: reverses 0015_ai_generation.up.sql
