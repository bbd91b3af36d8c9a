export interface NetGuardViolation {
  kind: string;
  target: string;
  pid: number;
  stack: string;
}
export type ConnectTarget = { kind: 'unix'; path: string } | { kind: 'tcp'; host: unknown; port: unknown };
export function isLoopbackHost(host: unknown): boolean;
export function isOnThisMachine(host: unknown): boolean;
export function connectTarget(args: unknown[]): ConnectTarget;
export function installNetGuard(record: (v: NetGuardViolation) => void): boolean;
