"""HTML of the hosted pages (Jinja, autoescaped by render_template_string). Bilingual FR / EN."""

LAYOUT = """<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} — Stripe sandbox</title>
<style>
 body { font-family: system-ui, sans-serif; background: #f6f8fa; color: #1a1f36; margin: 0; }
 main { max-width: 34rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem; border-radius: 8px;
        box-shadow: 0 1px 3px rgba(0,0,0,.15); }
 .banner { background: #fff4d6; border: 1px solid #e8c35a; padding: .4rem .6rem; font-size: .9rem; }
 .amount { font-size: 2rem; font-weight: 600; margin: .3rem 0 1rem; }
 fieldset { border: 1px solid #d0d7de; border-radius: 6px; margin: 1rem 0; padding: .8rem 1rem; }
 label { display: block; margin-top: .6rem; font-weight: 500; }
 input { width: 100%; box-sizing: border-box; padding: .45rem; font-size: 1rem; border: 1px solid #8c959f;
         border-radius: 4px; }
 input[aria-invalid="true"] { border-color: #cf222e; }
 button { margin-top: 1rem; padding: .6rem 1rem; font-size: 1rem; background: #635bff; color: #fff;
          border: 0; border-radius: 4px; cursor: pointer; }
 button.secondary { background: #6e7781; }
 .error { background: #ffebe9; border: 1px solid #cf222e; padding: .6rem; border-radius: 4px; }
 .notice { background: #dafbe1; border: 1px solid #2da44e; padding: .6rem; border-radius: 4px; }
 small, .hint { color: #57606a; }
</style>
</head>
<body><main>
<p class="banner" role="note">Mode test : aucun paiement réel. / Test mode: no real payment.</p>
{{ body|safe }}
</main></body></html>"""

CHECKOUT = """
<h1>{{ description }}</h1>
<p class="amount">{{ amount }}{% if monthly %} / mois <small>(per month)</small>{% endif %}</p>
{% if error %}<div class="error" role="alert" id="error">{{ error }}</div>{% endif %}
<form method="post" action="{{ action }}">
 <fieldset>
  <legend id="card-legend">Carte bancaire / Card</legend>
  <input type="hidden" name="method" value="card">
  <label for="card_number">Numéro de carte / Card number</label>
  <input id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number" required
         {% if error_field == "card_number" %}aria-invalid="true" aria-describedby="error"{% endif %}>
  <label for="expiry">Date d'expiration (MM/AA) / Expiry date (MM/YY)</label>
  <input id="expiry" name="expiry" placeholder="MM/AA" autocomplete="cc-exp" required
         {% if error_field == "expiry" %}aria-invalid="true" aria-describedby="error"{% endif %}>
  <label for="cvc">Cryptogramme / CVC</label>
  <input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" required
         {% if error_field == "cvc" %}aria-invalid="true" aria-describedby="error"{% endif %}>
  <label for="card_name">Nom sur la carte / Name on card</label>
  <input id="card_name" name="name" autocomplete="cc-name">
  <button type="submit">{{ submit_label }} {{ amount }}</button>
 </fieldset>
</form>
{% if sepa %}
<form method="post" action="{{ action }}">
 <fieldset>
  <legend>Prélèvement SEPA / SEPA Direct Debit</legend>
  <input type="hidden" name="method" value="sepa_debit">
  <label for="iban">IBAN</label>
  <input id="iban" name="iban" autocomplete="off" required
         {% if error_field == "iban" %}aria-invalid="true" aria-describedby="error"{% endif %}>
  <label for="holder">Titulaire du compte / Account holder name</label>
  <input id="holder" name="name" autocomplete="name" required
         {% if error_field == "account_holder" %}aria-invalid="true" aria-describedby="error"{% endif %}>
  <label for="email">E-mail</label>
  <input id="email" name="email" type="email" autocomplete="email" value="{{ email or '' }}" required>
  <p class="hint">En confirmant, vous autorisez le créancier à débiter votre compte (mandat SEPA). /
   By confirming, you authorise the creditor to debit your account (SEPA mandate).</p>
  <button type="submit">{{ submit_label }} {{ amount }} (SEPA)</button>
 </fieldset>
</form>
{% endif %}
{% if cancel_url %}<p><a href="{{ cancel_url }}">Annuler et revenir / Cancel and go back</a></p>{% endif %}
<details><summary>Cartes et IBAN de test / Test cards and IBANs</summary>
 <ul>
  <li>4242 4242 4242 4242 — accepté / succeeds</li>
  <li>4000 0000 0000 0002 — refusé / declined</li>
  <li>4000 0025 0000 3155 — 3-D Secure</li>
  <li>FR14 2004 1010 0505 0001 3M02 606 — prélèvement réussi / debit succeeds</li>
  <li>FR84 2004 1010 0505 0001 3M02 606 — prélèvement rejeté / debit fails</li>
 </ul>
</details>
"""

THREE_D_SECURE = """
<h1>Authentification 3-D Secure / 3-D Secure authentication</h1>
<p>Votre banque demande de confirmer ce paiement de {{ amount }}. /
 Your bank asks you to confirm this payment of {{ amount }}.</p>
<form method="post" action="{{ action }}">
 <button type="submit" name="outcome" value="complete">Valider / Complete</button>
 <button type="submit" name="outcome" value="fail" class="secondary">Échec / Fail</button>
</form>
"""

CLOSED = """
<h1>{{ heading }}</h1>
<p>{{ message }}</p>
{% if link %}<p><a href="{{ link }}">{{ link_label }}</a></p>{% endif %}
"""

PORTAL = """
<h1>Espace de paiement / Billing portal</h1>
<p>{{ customer.email or customer.name or customer.id }}</p>
{% if notice %}<div class="notice" role="status">{{ notice }}</div>{% endif %}
{% if error %}<div class="error" role="alert" id="error">{{ error }}</div>{% endif %}
<h2>Moyen de paiement / Payment method</h2>
<p>{{ payment_method or "Aucun / None" }}</p>
{% if subscriptions %}
<h2>Abonnements / Subscriptions</h2>
<ul>{% for s in subscriptions %}<li>{{ s.amount }} / {{ s.interval }} — {{ s.status }}{% if s.next %}
 — prochain prélèvement / next payment : {{ s.next }}{% endif %}</li>{% endfor %}</ul>
{% endif %}
<form method="post" action="{{ action }}">
 <fieldset>
  <legend>Mettre à jour la carte / Update card</legend>
  <label for="card_number">Numéro de carte / Card number</label>
  <input id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number" required
         {% if error %}aria-invalid="true" aria-describedby="error"{% endif %}>
  <label for="expiry">Date d'expiration (MM/AA) / Expiry date (MM/YY)</label>
  <input id="expiry" name="expiry" placeholder="MM/AA" autocomplete="cc-exp" required>
  <label for="cvc">Cryptogramme / CVC</label>
  <input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" required>
  <label for="card_name">Nom sur la carte / Name on card</label>
  <input id="card_name" name="name" autocomplete="cc-name">
  <button type="submit">Enregistrer / Save</button>
 </fieldset>
</form>
{% if return_url %}<p><a href="{{ return_url }}">Retour / Return</a></p>{% endif %}
"""
