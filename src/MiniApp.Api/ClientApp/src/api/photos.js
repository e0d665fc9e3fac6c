import { request } from './http'

/** Evidence photos for an action or a finding; answers their keys. */
export async function uploadPhotos(files) {
  const form = new FormData()
  for (const f of files) form.append('photos', f, f.name)
  return (await request('POST', '/api/photos', { form })).keys
}
