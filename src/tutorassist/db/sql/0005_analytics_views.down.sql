DROP FUNCTION app.refresh_analytics_views();
DROP VIEW v_topic_performance;
DROP VIEW v_student_performance;
DROP MATERIALIZED VIEW mv_topic_performance;
DROP MATERIALIZED VIEW mv_student_performance;
