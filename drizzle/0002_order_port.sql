ALTER TABLE `orders` ADD `placed_by` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `block_rule` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `sent_at` text;