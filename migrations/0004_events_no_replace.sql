-- INSERT OR REPLACE (and REPLACE INTO) resolves a key conflict by deleting the old row, and
-- SQLite does not fire delete triggers for that unless recursive_triggers is on, which a
-- connection other than the service's need not set. Refusing any insert that would meet an
-- existing event's key closes that way of rewriting an event in place.
CREATE TRIGGER `events_no_replace` BEFORE INSERT ON `events`
WHEN EXISTS (SELECT 1 FROM `events` WHERE `sequence` = NEW.`sequence`)
  OR EXISTS (SELECT 1 FROM `events` WHERE `id` = NEW.`id`)
  OR EXISTS (SELECT 1 FROM `events` WHERE `stream_id` = NEW.`stream_id` AND `version` = NEW.`version`)
BEGIN
  SELECT RAISE(ABORT, 'events are append-only');
END;
