/** What the preload exposes as `window.vigil`: typed verbs and events, nothing else. */
import type { VerbInput, VerbName, VerbResult } from '../../core/api/contract';
import type { EventName, EventPayload } from '../../core/api/events';
import type { ApiResult } from '../../core/api/result';

export interface VigilPreloadApi {
  call<K extends VerbName>(verb: K, input: VerbInput<K>): Promise<ApiResult<VerbResult<K>>>;
  on<E extends EventName>(event: E, cb: (payload: EventPayload<E>) => void): () => void;
}
