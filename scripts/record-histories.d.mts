/** Types of scripts/record-histories.mjs for the test that checks the committed histories. */
export declare const HISTORIES: Record<string, string>;
export declare function projectOf(file: string): 'unit' | 'integration' | 'reliability' | 'e2e';
export declare function historyFile(name: string): string;
