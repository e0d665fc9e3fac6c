// Feedback: a short message read out by screen readers (role=status), dialogs and the full-size photo viewer from Vant.
import { showDialog, showImagePreview } from 'vant'
import 'vant/es/dialog/style/index.mjs'
import 'vant/es/image-preview/style/index.mjs'

let box = null

/** A message at the bottom of the screen for two seconds. */
export function showMessage(text) {
  if (!box) {
    box = document.createElement('div')
    box.className = 'app-message'
    box.setAttribute('role', 'status')
    box.setAttribute('aria-live', 'polite')
    document.body.appendChild(box)
  }
  box.textContent = text
  box.classList.add('shown')
  clearTimeout(box.timer)
  box.timer = setTimeout(() => box.classList.remove('shown'), 2000)
}

export { showDialog, showImagePreview }
