// Touyan: small progressive enhancements (pages work without JavaScript).
document.addEventListener("DOMContentLoaded", function () {
  // Confirm destructive or irreversible actions (forms with data-confirm).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
  // Irreversible steps: the submit button opens its dialog (includes/confirm_submit.html); the
  // dialog's own button sends the form with confirmed=yes.
  document.querySelectorAll("[data-confirm-modal]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      var dialog = document.querySelector(button.dataset.confirmModal);
      if (!dialog || !window.bootstrap) { return; }
      event.preventDefault();
      window.bootstrap.Modal.getOrCreateInstance(dialog).show();
    });
  });
  // Batch lists: "全选本页" ticks every row checkbox of its form.
  document.querySelectorAll("[data-check-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      var form = document.querySelector(box.dataset.checkAll);
      if (!form) { return; }
      form.querySelectorAll("input[type=checkbox][name=ids]").forEach(function (row) { row.checked = box.checked; });
    });
  });
  // Open the collapsed panel that holds a form with errors.
  document.querySelectorAll(".collapse .is-invalid, .collapse .alert-danger").forEach(function (el) {
    var panel = el.closest(".collapse");
    if (panel && window.bootstrap) { window.bootstrap.Collapse.getOrCreateInstance(panel).show(); }
  });
});
