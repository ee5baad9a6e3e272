DROP TABLE review_events;
