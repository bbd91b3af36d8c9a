import { useEffect, useRef } from 'react';
import { useMutation, useQuery, useQueryClient, type UseQueryOptions } from '@tanstack/react-query';
import { ApiCallError, client, type AnyEvent, type AnyVerb, type InputOf, type PayloadOf, type ResultOf } from './client';

/** A read verb as a react-query query; errors are ApiCallError with the verb's error result. */
export function useVerb<K extends AnyVerb>(verb: K, input: InputOf<K>, opts: Partial<UseQueryOptions<ResultOf<K>, ApiCallError>> = {}) {
  return useQuery<ResultOf<K>, ApiCallError>({
    queryKey: [verb, input],
    queryFn: () => client().get(verb, input),
    retry: (n, err) => n < 1 && err.error?.code !== 'unknown_verb' && err.error?.code !== 'invalid_input',
    ...opts,
  });
}

/** A write verb; on success invalidates the given verbs' queries. */
export function useAction<K extends AnyVerb>(verb: K, invalidate: AnyVerb[] = []) {
  const qc = useQueryClient();
  return useMutation<ResultOf<K>, ApiCallError, InputOf<K>>({
    mutationFn: (input) => client().get(verb, input),
    onSuccess: () => {
      for (const v of invalidate) void qc.invalidateQueries({ queryKey: [v] });
    },
  });
}

export function useEvent<E extends AnyEvent>(event: E, cb: (payload: PayloadOf<E>) => void): void {
  const ref = useRef(cb);
  ref.current = cb;
  useEffect(() => client().on(event, (p) => ref.current(p)), [event]);
}
