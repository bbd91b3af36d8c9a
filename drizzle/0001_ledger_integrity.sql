-- Integrity rules the schema builder cannot express. The ledger code keeps them too; these make
-- them hold for any writer of the file (a bug, a manual sqlite3 session).
CREATE TRIGGER postings_append_only_update BEFORE UPDATE ON postings
BEGIN SELECT RAISE(ABORT, 'ledger: postings are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER postings_append_only_delete BEFORE DELETE ON postings
BEGIN SELECT RAISE(ABORT, 'ledger: postings are append-only'); END;
--> statement-breakpoint
-- Postings are written first and their entry last, in one transaction with foreign keys
-- deferred to commit; once the entry row exists (sealed) nothing may be added to it.
CREATE TRIGGER postings_open_entry_only BEFORE INSERT ON postings
WHEN (SELECT sealed FROM journal_entries WHERE id = NEW.entry_id) = 1
BEGIN SELECT RAISE(ABORT, 'ledger: postings may only be added to an open journal entry'); END;
--> statement-breakpoint
CREATE TRIGGER journal_entries_sealed_immutable BEFORE UPDATE ON journal_entries
WHEN OLD.sealed = 1
BEGIN SELECT RAISE(ABORT, 'ledger: a sealed journal entry is immutable'); END;
--> statement-breakpoint
CREATE TRIGGER journal_entries_no_delete BEFORE DELETE ON journal_entries
WHEN OLD.sealed = 1
BEGIN SELECT RAISE(ABORT, 'ledger: a sealed journal entry is immutable'); END;
--> statement-breakpoint
CREATE TRIGGER journal_entries_seal_balanced BEFORE UPDATE OF sealed ON journal_entries
WHEN NEW.sealed = 1 AND (
  (SELECT count(*) FROM postings WHERE entry_id = NEW.id) < 2
  OR EXISTS (SELECT 1 FROM postings WHERE entry_id = NEW.id GROUP BY currency HAVING sum(units) <> 0)
)
BEGIN SELECT RAISE(ABORT, 'ledger: journal entry does not balance per currency'); END;
--> statement-breakpoint
CREATE TRIGGER journal_entries_insert_balanced AFTER INSERT ON journal_entries
WHEN NEW.sealed = 1 AND (
  (SELECT count(*) FROM postings WHERE entry_id = NEW.id) < 2
  OR EXISTS (SELECT 1 FROM postings WHERE entry_id = NEW.id GROUP BY currency HAVING sum(units) <> 0)
)
BEGIN SELECT RAISE(ABORT, 'ledger: journal entry does not balance per currency'); END;
--> statement-breakpoint
CREATE TRIGGER balances_wallet_not_negative_insert BEFORE INSERT ON balances
WHEN NEW.units < 0 AND (SELECT kind FROM wallets WHERE id = NEW.wallet_id) IN ('funding', 'trading')
BEGIN SELECT RAISE(ABORT, 'ledger: a funding or trading wallet balance cannot go negative'); END;
--> statement-breakpoint
CREATE TRIGGER balances_wallet_not_negative_update BEFORE UPDATE ON balances
WHEN NEW.units < 0 AND (SELECT kind FROM wallets WHERE id = NEW.wallet_id) IN ('funding', 'trading')
BEGIN SELECT RAISE(ABORT, 'ledger: a funding or trading wallet balance cannot go negative'); END;
--> statement-breakpoint
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'ledger: the event log is append-only'); END;
--> statement-breakpoint
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'ledger: the event log is append-only'); END;
