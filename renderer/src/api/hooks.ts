import { useCallback, useEffect, useRef } from 'react';
import { useMutation, useQuery, useQueryClient, type UseQueryOptions } from '@tanstack/react-query';
import { ApiCallError, client, type EventName, type EventPayload, type InputOf, type ResultOf, type VerbName } from './client';
import { verbsAfter } from './invalidation';
import { onEvent } from './live';

/** A read verb as a react-query query; errors are ApiCallError with the verb's error result. */
export function useVerb<K extends VerbName>(verb: K, input: InputOf<K>, opts: Partial<UseQueryOptions<ResultOf<K>, ApiCallError>> = {}) {
  return useQuery<ResultOf<K>, ApiCallError>({
    queryKey: [verb, input],
    queryFn: () => client().get(verb, input),
    retry: (n, err) => n < 1 && err.error?.code !== 'unknown_verb' && err.error?.code !== 'invalid_input',
    ...opts,
  });
}

/** Invalidates the reads a write verb can change (invalidation.ts), for writes made with client() directly. */
export function useInvalidateAfter(): (verb: VerbName) => void {
  const qc = useQueryClient();
  return useCallback(
    (verb: VerbName) => {
      for (const v of verbsAfter(verb)) void qc.invalidateQueries({ queryKey: [v] });
    },
    [qc],
  );
}

/** A write verb; on success the reads it can change are invalidated (invalidation.ts). */
export function useAction<K extends VerbName>(verb: K) {
  const invalidateAfter = useInvalidateAfter();
  return useMutation<ResultOf<K>, ApiCallError, InputOf<K>>({
    mutationFn: (input) => client().get(verb, input),
    onSuccess: () => invalidateAfter(verb),
  });
}

/** A push event, parsed with its schema where it entered (live.ts). */
export function useEvent<E extends EventName>(event: E, cb: (payload: EventPayload<E>) => void): void {
  const ref = useRef(cb);
  ref.current = cb;
  useEffect(() => onEvent(event, (p) => ref.current(p)), [event]);
}
