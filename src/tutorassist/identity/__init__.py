"""People, workspaces (the tenants), their members and student profiles, and invitations to join."""
