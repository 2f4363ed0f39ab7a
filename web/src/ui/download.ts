/** Offers `text` as a file download, made in the page (nothing is sent anywhere). */
export function download(name: string, text: string, type = 'application/x-pem-file'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started from the URL by the next task; then it can go.
  window.setTimeout(() => URL.revokeObjectURL(url), 0);
}
