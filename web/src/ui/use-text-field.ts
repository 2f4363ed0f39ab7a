import { type ChangeEvent, useState } from 'react';

/**
 * A text input's value and the server's message about it, for a `Field`: spread `props` on it;
 * `reset(to)` sets the value and clears the message (opening a dialog), `setError` shows one.
 */
export function useTextField(initial = '') {
  const [value, setValue] = useState(initial);
  const [error, setError] = useState<string | undefined>(undefined);
  return {
    value,
    setValue,
    setError,
    reset: (to = initial) => {
      setValue(to);
      setError(undefined);
    },
    props: {
      value,
      error,
      onChange: (e: ChangeEvent<HTMLInputElement>) => setValue(e.target.value),
      autoComplete: 'off',
    },
  };
}
