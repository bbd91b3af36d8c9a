ALTER TABLE `orders` ADD `stop_price` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `attached_json` text;