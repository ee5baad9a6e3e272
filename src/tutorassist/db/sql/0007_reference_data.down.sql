-- 0007 reference data, undone: delete only the rows 0007 inserted (recognised by their deterministic ids) that
-- nothing references. A grade level tagged on a question stays; a program stays while a question is tagged with it,
-- a topic names it as its source (metadata.source_program_id), or it still has grade levels (kept ones or an
-- operator's).

DELETE FROM grade_levels g
WHERE g.id IN (
    SELECT md5('tutorassist:0007:grade:' || program_code || ':' || code)::uuid
    FROM (VALUES
      ('IB-MAA', 'SL'), ('IB-MAA', 'HL'), ('IB-MAI', 'SL'), ('IB-MAI', 'HL'),
      ('GCSE-MATHS', 'FOUNDATION'), ('GCSE-MATHS', 'HIGHER'), ('A-LEVEL-MATHS', 'Y12'), ('A-LEVEL-MATHS', 'Y13'),
      ('CCSS-MATH', 'G6'), ('CCSS-MATH', 'G7'), ('CCSS-MATH', 'G8'), ('CCSS-MATH', 'G9'), ('CCSS-MATH', 'G10'),
      ('CCSS-MATH', 'G11'), ('CCSS-MATH', 'G12')
    ) AS seeded (program_code, code))
  AND NOT EXISTS (SELECT 1 FROM question_grade_levels q WHERE q.grade_level_id = g.id)
  AND NOT EXISTS (SELECT 1 FROM topics t WHERE t.metadata ->> 'source_grade_level_id' = g.id::text);

DELETE FROM study_programs p
WHERE p.id IN (
    SELECT md5('tutorassist:0007:program:' || code)::uuid
    FROM (VALUES ('IB-MAA'), ('IB-MAI'), ('AP-CALC-AB'), ('AP-CALC-BC'), ('AP-PRECALC'), ('GCSE-MATHS'),
                 ('A-LEVEL-MATHS'), ('CCSS-MATH')) AS seeded (code))
  AND NOT EXISTS (SELECT 1 FROM grade_levels g WHERE g.program_id = p.id)
  AND NOT EXISTS (SELECT 1 FROM question_programs q WHERE q.program_id = p.id)
  AND NOT EXISTS (SELECT 1 FROM topics t WHERE t.metadata ->> 'source_program_id' = p.id::text);
