import { defineConfig } from 'drizzle-kit';

// Migrations for the production ledger (`<dataDir>/ledger.sqlite`): `npm run db:generate`.
export default defineConfig({
  dialect: 'sqlite',
  schema: './core/ledger/schema.ts',
  out: './drizzle',
});
