/** The exact phrase that arms live trading (shared by the ledger, the contract and the UI). */
export const LIVE_ARM_PHRASE = 'I understand live orders use real money';

/** The ledger setting that records whether live trading is armed (and when, through which door). */
export const SETTING_LIVE_ARMED = 'live_trading.armed';
