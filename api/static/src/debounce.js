// The properties panel's input debounce (its `debounceInput` service), with a flush: a button that saves,
// checks or publishes first applies what the admin has just typed, not the value of 300 ms before.
const DELAY_MS = 300;
const pending = new Set();

export function debounceInput(apply) {
  let timer = null;
  let last = [];
  const run = () => {
    clearTimeout(timer);
    pending.delete(run);
    apply(...last);
  };
  return (...args) => {
    last = args;
    clearTimeout(timer);
    pending.add(run);
    timer = setTimeout(run, DELAY_MS);
  };
}

/** Applies every input still waiting for its pause. */
export function flushInputs() {
  [...pending].forEach((run) => run());
}
