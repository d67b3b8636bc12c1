-- Roles people hold beside their account (the operators' console, the admin API's `admin`).
-- One row per (user, role); deleting the account deletes its roles. `granted_by` names the
-- actor (an admin user's id, `admin_token`, `cli`) for the record; the audit log has the rest.
CREATE TABLE user_roles (
    user_id    TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT   NOT NULL,
    granted_at BIGINT NOT NULL,
    granted_by TEXT   NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE INDEX user_roles_role ON user_roles (role);
