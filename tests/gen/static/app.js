document.addEventListener("DOMContentLoaded", function () { console.log("shop"); });
