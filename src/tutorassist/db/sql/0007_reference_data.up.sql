-- 0007 reference data: common mathematics curricula (study programs and their grade levels).
--
-- Data only, no schema change. Each seeded row has a deterministic id, md5('tutorassist:0007:...')::uuid, so the
-- down migration can tell the rows it inserted from rows an operator added with the same code.
-- ON CONFLICT DO NOTHING keeps whatever already exists (an operator's program with one of these codes stays as it is;
-- the missing grade levels are added to it).
--
-- Grade levels are what a question is pitched at within the program:
--   IB DP courses: the level, SL or HL (HL includes all of SL), not the year (DP1/DP2).
--   GCSE: the exam tier, Foundation or Higher.
--   A-Level: the year, Year 12 (AS content) and Year 13.
--   Common Core: Grades 6 to 12 (high-school standards are filed by the grade they are usually taught in).
--   AP courses: a single level each; they have no grade levels.

WITH programs (code, name, description) AS (VALUES
  ('IB-MAA', 'IB Mathematics: Analysis and Approaches',
   'International Baccalaureate Diploma Programme, Mathematics: analysis and approaches (SL and HL)'),
  ('IB-MAI', 'IB Mathematics: Applications and Interpretation',
   'International Baccalaureate Diploma Programme, Mathematics: applications and interpretation (SL and HL)'),
  ('AP-CALC-AB', 'AP Calculus AB', 'College Board Advanced Placement Calculus AB'),
  ('AP-CALC-BC', 'AP Calculus BC', 'College Board Advanced Placement Calculus BC (includes all of AB)'),
  ('AP-PRECALC', 'AP Precalculus', 'College Board Advanced Placement Precalculus'),
  ('GCSE-MATHS', 'GCSE Mathematics', 'GCSE Mathematics (England), Foundation and Higher tiers'),
  ('A-LEVEL-MATHS', 'A-Level Mathematics', 'GCE A-Level Mathematics (England), Years 12 and 13'),
  ('CCSS-MATH', 'Common Core Mathematics', 'Common Core State Standards for Mathematics (US), Grades 6 to 12')
)
INSERT INTO study_programs (id, code, name, description)
SELECT md5('tutorassist:0007:program:' || code)::uuid, code, name, description FROM programs
ON CONFLICT (code) DO NOTHING;

WITH grades (program_code, code, name, sort_order) AS (VALUES
  ('IB-MAA', 'SL', 'Standard Level (SL)', 1),
  ('IB-MAA', 'HL', 'Higher Level (HL)', 2),
  ('IB-MAI', 'SL', 'Standard Level (SL)', 1),
  ('IB-MAI', 'HL', 'Higher Level (HL)', 2),
  ('GCSE-MATHS', 'FOUNDATION', 'Foundation tier', 1),
  ('GCSE-MATHS', 'HIGHER', 'Higher tier', 2),
  ('A-LEVEL-MATHS', 'Y12', 'Year 12 (AS)', 1),
  ('A-LEVEL-MATHS', 'Y13', 'Year 13', 2),
  ('CCSS-MATH', 'G6', 'Grade 6', 6),
  ('CCSS-MATH', 'G7', 'Grade 7', 7),
  ('CCSS-MATH', 'G8', 'Grade 8', 8),
  ('CCSS-MATH', 'G9', 'Grade 9', 9),
  ('CCSS-MATH', 'G10', 'Grade 10', 10),
  ('CCSS-MATH', 'G11', 'Grade 11', 11),
  ('CCSS-MATH', 'G12', 'Grade 12', 12)
)
INSERT INTO grade_levels (id, program_id, code, name, sort_order)
SELECT md5('tutorassist:0007:grade:' || g.program_code || ':' || g.code)::uuid, p.id, g.code, g.name, g.sort_order
FROM grades g JOIN study_programs p ON p.code = g.program_code
ON CONFLICT (program_id, code) DO NOTHING;
