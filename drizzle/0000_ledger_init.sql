CREATE TABLE `balances` (
	`wallet_id` text NOT NULL,
	`currency` text NOT NULL,
	`amount` text NOT NULL,
	`units` integer NOT NULL,
	FOREIGN KEY (`wallet_id`) REFERENCES `wallets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`currency`) REFERENCES `currencies`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `balances_pk` ON `balances` (`wallet_id`,`currency`);--> statement-breakpoint
CREATE TABLE `cost_estimates` (
	`id` text PRIMARY KEY NOT NULL,
	`client_order_id` text NOT NULL,
	`product` text NOT NULL,
	`side` text NOT NULL,
	`quote_currency` text NOT NULL,
	`notional` text NOT NULL,
	`fee` text NOT NULL,
	`spread` text NOT NULL,
	`slippage` text NOT NULL,
	`transfer_fee` text NOT NULL,
	`total` text NOT NULL,
	`expected_edge` text NOT NULL,
	`required` text NOT NULL,
	`safety_buffer` text NOT NULL,
	`decision` text NOT NULL,
	`override_reason` text,
	`detail_json` text NOT NULL,
	`at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `currencies` (
	`code` text PRIMARY KEY NOT NULL,
	`precision` integer NOT NULL,
	CONSTRAINT "currencies_precision" CHECK("currencies"."precision" BETWEEN 0 AND 12)
);
--> statement-breakpoint
CREATE TABLE `events` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`type` text NOT NULL,
	`at` text NOT NULL,
	`recorded_at` text NOT NULL,
	`correlation_id` text,
	`causation_id` text,
	`summary` text NOT NULL,
	`data_json` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_id` ON `events` (`id`);--> statement-breakpoint
CREATE INDEX `events_correlation` ON `events` (`correlation_id`,`seq`);--> statement-breakpoint
CREATE INDEX `events_type` ON `events` (`type`,`seq`);--> statement-breakpoint
CREATE TABLE `fills` (
	`trade_id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`product` text NOT NULL,
	`side` text NOT NULL,
	`size` text NOT NULL,
	`price` text NOT NULL,
	`fee` text NOT NULL,
	`fee_currency` text NOT NULL,
	`liquidity` text NOT NULL,
	`at` text NOT NULL,
	`entry_id` text NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`entry_id`) REFERENCES `journal_entries`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `fills_order` ON `fills` (`order_id`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`key` text PRIMARY KEY NOT NULL,
	`scope` text NOT NULL,
	`request_hash` text NOT NULL,
	`result_json` text,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `journal_entries` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`memo` text NOT NULL,
	`at` text NOT NULL,
	`sealed` integer DEFAULT 0 NOT NULL,
	`correlation_id` text,
	`source_ref` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `journal_entries_source` ON `journal_entries` (`kind`,`source_ref`);--> statement-breakpoint
CREATE INDEX `journal_entries_at` ON `journal_entries` (`at`);--> statement-breakpoint
CREATE TABLE `orders` (
	`id` text PRIMARY KEY NOT NULL,
	`client_order_id` text NOT NULL,
	`exchange_order_id` text,
	`wallet_id` text NOT NULL,
	`product` text NOT NULL,
	`side` text NOT NULL,
	`order_type` text NOT NULL,
	`base_size` text,
	`quote_size` text,
	`limit_price` text,
	`post_only` integer DEFAULT 0 NOT NULL,
	`mode` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`filled_base` text DEFAULT '0' NOT NULL,
	`reservation_id` text,
	`cost_estimate_id` text,
	`preview_json` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`correlation_id` text,
	FOREIGN KEY (`wallet_id`) REFERENCES `wallets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`reservation_id`) REFERENCES `reservations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `orders_client_order_id` ON `orders` (`client_order_id`);--> statement-breakpoint
CREATE INDEX `orders_exchange_order_id` ON `orders` (`exchange_order_id`);--> statement-breakpoint
CREATE TABLE `postings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`entry_id` text NOT NULL,
	`wallet_id` text NOT NULL,
	`currency` text NOT NULL,
	`amount` text NOT NULL,
	`units` integer NOT NULL,
	FOREIGN KEY (`entry_id`) REFERENCES `journal_entries`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`wallet_id`) REFERENCES `wallets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`currency`) REFERENCES `currencies`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `postings_entry` ON `postings` (`entry_id`);--> statement-breakpoint
CREATE INDEX `postings_wallet_currency` ON `postings` (`wallet_id`,`currency`);--> statement-breakpoint
CREATE TABLE `reconcile_drifts` (
	`id` text PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`wallet_id` text NOT NULL,
	`currency` text NOT NULL,
	`ledger_amount` text NOT NULL,
	`exchange_amount` text NOT NULL,
	`drift` text NOT NULL,
	`above_threshold` integer NOT NULL,
	`correction` text NOT NULL,
	`correction_entry_id` text,
	`decided_at` text,
	FOREIGN KEY (`run_id`) REFERENCES `reconcile_runs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`wallet_id`) REFERENCES `wallets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `reconcile_drifts_run` ON `reconcile_drifts` (`run_id`);--> statement-breakpoint
CREATE TABLE `reconcile_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`at` text NOT NULL,
	`threshold` text NOT NULL,
	`status` text NOT NULL,
	`max_drift` text NOT NULL,
	`error` text
);
--> statement-breakpoint
CREATE TABLE `reservations` (
	`id` text PRIMARY KEY NOT NULL,
	`wallet_id` text NOT NULL,
	`currency` text NOT NULL,
	`amount` text NOT NULL,
	`units` integer NOT NULL,
	`consumed` text DEFAULT '0' NOT NULL,
	`status` text NOT NULL,
	`purpose` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`closed_at` text,
	`correlation_id` text,
	FOREIGN KEY (`wallet_id`) REFERENCES `wallets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`currency`) REFERENCES `currencies`(`code`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "reservations_status" CHECK("reservations"."status" IN ('active','consumed','released','expired')),
	CONSTRAINT "reservations_units_not_negative" CHECK("reservations"."units" >= 0)
);
--> statement-breakpoint
CREATE INDEX `reservations_wallet_status` ON `reservations` (`wallet_id`,`currency`,`status`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `wallets` (
	`id` text PRIMARY KEY NOT NULL,
	`exchange` text NOT NULL,
	`exchange_account` text NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`tradeable_fraction` text DEFAULT '0' NOT NULL,
	`created_at` text NOT NULL,
	CONSTRAINT "wallets_kind" CHECK("wallets"."kind" IN ('funding','trading','equity','fees','market'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `wallets_account_kind` ON `wallets` (`exchange`,`exchange_account`,`kind`);