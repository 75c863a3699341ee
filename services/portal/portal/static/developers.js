// The developers' viewers (vendored Swagger UI and AsyncAPI React standalone), started from this
// file: the Content-Security-Policy allows no inline script.
document.addEventListener("DOMContentLoaded", function () {
  var swagger = document.getElementById("swagger-ui");
  if (swagger && window.SwaggerUIBundle) {
    swagger.textContent = "";
    window.SwaggerUIBundle({ url: swagger.dataset.openapi, domNode: swagger, deepLinking: true });
  }
  var asyncapi = document.getElementById("asyncapi");
  if (asyncapi && window.AsyncApiStandalone) {
    fetch(asyncapi.dataset.asyncapi).then(function (r) { return r.text(); }).then(function (text) {
      asyncapi.textContent = "";
      window.AsyncApiStandalone.render({ schema: text, config: { show: { sidebar: true } } }, asyncapi);
    });
  }
});
