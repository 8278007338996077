import { describe, expect, it } from 'vitest'
import { adminPage, escapeHtml } from './page.ts'

describe('the admin shell', () => {
  it('escapes text for content and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;'
    )
  })

  it('carries the configured model name as data, escaped, and no inline code', () => {
    const page = adminPage({ defaultModel: '"><script>alert(1)</script>' })
    expect(page).toContain('data-default-model="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"')
    expect(page).not.toMatch(/<script>|<style|\sstyle=|\son[a-z]+=/i)
    expect(page).toContain('<script type="module" src="/admin/admin.js"></script>')
  })
})
