import { ref } from 'vue'

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID()
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * One idempotency key per draft: the same key for every try of the same thing (a double tap, a lost answer, a
 * retry after an error), so the API makes it once; `renew()` only after the thing was done.
 * With a storage name, the key survives a reload of the page while the draft is open.
 */
export function useIdempotencyKey(storageName) {
  const stored = storageName ? sessionStorage.getItem(storageName) : null
  const key = ref(stored || newKey())
  if (storageName) sessionStorage.setItem(storageName, key.value)
  return {
    key,
    renew() {
      key.value = newKey()
      if (storageName) sessionStorage.setItem(storageName, key.value)
    },
  }
}
