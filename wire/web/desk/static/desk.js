// The desk's only script: forms marked data-confirm ask before they are sent
// (a kill is final). Without JavaScript the forms still work, unasked.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
