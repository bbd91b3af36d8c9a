/** The exact phrase that arms live trading (shared by the ledger, the contract and the UI). */
export const LIVE_ARM_PHRASE = 'I understand live orders use real money';
