import { ref } from 'vue'

/** Data a page loads, with its loading and error states (for StatusBlock); `load()` again retries. */
export function useLoad(fetcher) {
  const data = ref(null)
  const loading = ref(true)
  const error = ref(null)
  async function load() {
    loading.value = true
    error.value = null
    try {
      data.value = await fetcher()
    } catch (e) {
      error.value = e
    } finally {
      loading.value = false
    }
    return data.value
  }
  return { data, loading, error, load }
}
