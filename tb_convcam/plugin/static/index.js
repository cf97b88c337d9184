// Entry module of the Convcam tab; TensorBoard imports it and calls render().
export function render() {
  document.body.textContent = "Convcam";
}
