-- A message for the session's next page, read once: the invitation link a form posted without
-- JavaScript created (sealed with the portal's key), so that it never travels in an address.
ALTER TABLE sessions ADD COLUMN flash TEXT;
