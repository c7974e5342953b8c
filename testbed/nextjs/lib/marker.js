// The render-time marker every ISR page shows: a <meta> tag (React hoists it
// into <head>) and one text node (a single template literal, so React does
// not split it with comment nodes). isrctl's route `marker` regex and the
// end-to-end tests read it.
export function renderedAt() {
  return `${new Date().toISOString()} ${Math.random().toString(36).slice(2, 10)}`
}

export function Marker({ value }) {
  return (
    <>
      <meta name="isr-rendered-at" content={value} />
      <p id="marker">{`rendered at ${value}`}</p>
    </>
  )
}
